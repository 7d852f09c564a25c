#!/usr/bin/env bash
# Re-makes the README's screenshots: the browser tests' screenshot test drives every page of the dashboard on the
# demo model in Debian's chromium at 1440×900 and, with SAEX_SCREENSHOTS set, keeps the pictures here.
set -euo pipefail
cd "$(dirname "$0")/../.."
SAEX_SCREENSHOTS="$PWD/docs/screenshots" dotnet test tests/SaeExplorer.Web.Tests --filter "FullyQualifiedName~ScreenshotTests"
ls -l docs/screenshots/*.png
