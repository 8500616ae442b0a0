/** ztsync's version: shown by --version and recorded in every plan. */
export const VERSION = '0.1.0';
