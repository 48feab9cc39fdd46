# Windows twin of hooks/build.sh (read that first): on Windows the ASK CLI looks for
# this file instead, and without it would zip lambda/ alone and deploy a broken skill.
# Not exercised by the tests (no PowerShell on the CI machine). The build compiles the
# bundle with Python 3.12 (the Lambda runtime's version): with the Windows launcher, set
# $env:SKILL_LAMBDA_PYTHON to the output of `py -3.12 -c "import sys; print(sys.executable)"`.
param([Parameter(Mandatory = $true)][string]$OutFile, $DoDebug)
$ErrorActionPreference = "Stop"
$project = Split-Path -Parent $PSScriptRoot
if ($env:PYTHON) { $python = $env:PYTHON }
elseif (Test-Path "$project\.venv\Scripts\python.exe") { $python = "$project\.venv\Scripts\python.exe" }
else { $python = "python" }
Set-Location $project
& $python -m skill.dev.placeholders
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
$built = & $python -m skill build-lambda --out build | Select-Object -Last 1
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
Copy-Item -Path $built -Destination $OutFile -Force
