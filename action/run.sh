#!/usr/bin/env bash
# The composite action's run step (action.yml): ztsync with the action's inputs, its exit code as an output.
# Arguments are split on whitespace without any shell expansion, so an input can never run a command.
set -uo pipefail
set -f # no globbing when splitting

case "${INPUT_COMMAND:-}" in
  validate | plan | apply | report) ;;
  *)
    echo "::error title=ztsync action::the command input must be validate, plan, apply or report"
    exit 1
    ;;
esac

args=()
read -r -d '' -a args <<<"${INPUT_ARGS:-}" || true

node "$GITHUB_ACTION_PATH/dist/bin.js" "$INPUT_COMMAND" "${args[@]}"
code=$?
echo "exit-code=$code" >>"$GITHUB_OUTPUT"

for ok in ${INPUT_OK_EXIT_CODES:-0}; do
  if [ "$ok" = "$code" ]; then exit 0; fi
done
echo "::error title=ztsync::ztsync $INPUT_COMMAND exited with code $code (0 ok, 1 error, 2 changes, 3 blocked)"
exit "$code"
