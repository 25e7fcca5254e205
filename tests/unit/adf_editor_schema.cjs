// Checks ADF documents against Atlassian's editor schema, the ProseMirror schema of
// `@atlaskit/adf-schema` (`defaultSchema`, what Jira's editor loads), for
// tests/unit/test_adf_editor_schema.py. One JSON request a line on stdin, one JSON answer a
// line on stdout, so one process serves a whole test run:
//   {"check": <doc>}         -> {"problem": null} or {"problem": "<why the schema refuses it>"}
//   {"load": <doc>}          -> {"doc": <the doc as the editor holds it, attributes defaulted>}
//   {"transform": "<md>"}    -> {"doc": <what Atlassian's Markdown transformer makes of it>}
"use strict";

const readline = require("node:readline");
const { defaultSchema } = require("@atlaskit/adf-schema/schema-default");
const { MarkdownTransformer } = require("@atlaskit/editor-markdown-transformer");

let transformer = null;

function check(doc) {
  try {
    // nodeFromJSON refuses unknown node and mark types and empty text; check() refuses
    // content that does not match a node's `content` expression, marks a parent does not
    // allow, marks out of rank and marks another excludes (`Mark.sameSet` after `addToSet`).
    defaultSchema.nodeFromJSON(doc).check();
    return { problem: null };
  } catch (error) {
    return { problem: String(error && error.message ? error.message : error) };
  }
}

function transform(markdown) {
  transformer = transformer || new MarkdownTransformer(defaultSchema);
  return { doc: transformer.parse(markdown).toJSON() };
}

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  let answer;
  try {
    const request = JSON.parse(line);
    if ("transform" in request) answer = transform(request.transform);
    else if ("load" in request) answer = { doc: defaultSchema.nodeFromJSON(request.load).toJSON() };
    else answer = check(request.check);
  } catch (error) {
    answer = { error: String(error && error.stack ? error.stack : error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
lines.on("close", () => process.exit(0));
process.stdout.write(JSON.stringify({ ready: require("@atlaskit/adf-schema/package.json").version }) + "\n");
