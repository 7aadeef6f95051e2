#!/usr/bin/env bash
# Runs the whole TaskGen test suite on a fresh machine: builds the solution in Release (warnings are
# errors), then runs every test project and prints one closing line with the totals.
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT

echo "==> Building TaskGen.sln (Release)"
dotnet build TaskGen.sln -c Release -nologo -v minimal

status=0
passed=0
failed=0
skipped=0
for project in tests/*.Tests/*.csproj; do
  name=$(basename "$project" .csproj)
  echo "==> Testing $name"
  if ! dotnet test "$project" -c Release --no-build -nologo 2>&1 | tee "$log_dir/$name.log"; then
    status=1
  fi
  summary=$(grep -E '(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+' "$log_dir/$name.log" | tail -n 1 || true)
  if [ -z "$summary" ]; then
    echo "!! $name printed no test summary"
    status=1
    continue
  fi
  f=$(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<<"$summary")
  p=$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$summary")
  s=$(sed -E 's/.*Skipped: +([0-9]+).*/\1/' <<<"$summary")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done

echo
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  status=1
fi
exit $status
