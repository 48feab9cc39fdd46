// Runs the ASK CLI's own code build step offline, as `ask deploy` does before it
// touches AWS: ResourcesConfig reads ./ask-resources.json, SkillCodeController picks
// the build flow for each code src and executes it. Run from a project root:
//   node tests/ask_cli_build.js <ask-cli package dir> [select|build]
// Prints one JSON line: [{src, buildFlow, build: {folder, file}, regionsList}].
// Used by tests/test_ask_cli_build.py.
"use strict";
const path = require("path");

const [askCli, mode = "build"] = process.argv.slice(2);
const lib = path.join(path.resolve(askCli), "dist", "lib");
const ResourcesConfig = require(path.join(lib, "model", "resources-config"));
const SkillCodeController = require(path.join(lib, "controllers", "skill-code-controller"));
const CodeBuilder = require(path.join(lib, "controllers", "skill-code-controller", "code-builder"));

// Exactly how `ask deploy` loads the project (commands/deploy/index.js).
new ResourcesConfig(path.join(process.cwd(), "ask-resources.json"));
const controller = new SkillCodeController({ profile: "default", doDebug: false });

function fail(error) {
  process.stderr.write(`ask-cli build failed: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
}

if (mode === "select") {
  // Only the choice of build flow: no copying, no building.
  let codeList;
  try {
    codeList = controller._resolveUniqueCodeList();
  } catch (error) {
    fail(error);
  }
  for (const code of codeList) {
    code.buildFlow = new CodeBuilder({ src: code.src, build: code.build }).BuildFlowClass.name;
  }
  process.stdout.write(JSON.stringify(codeList) + "\n");
} else {
  try {
    controller.buildCode((error, codeList) => {
      if (error) fail(error);
      process.stdout.write(JSON.stringify(codeList) + "\n");
    });
  } catch (error) {
    fail(error); // a build flow's failed command throws synchronously
  }
}
