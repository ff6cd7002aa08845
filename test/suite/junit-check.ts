/**
 * Structural check of a JUnit XML file against the model of schema/junit.xsd (itself a subset of
 * the Jenkins/Ant JUnit schema): element nesting and order, required attributes, numeric types,
 * and the counts agreeing with the testcases. Returns the problems found (empty when valid).
 */
import type { XmlElement } from "./xml.js";

const isCount = (v: string | undefined) => v !== undefined && v !== "" && [...v].every((c) => c >= "0" && c <= "9");
function isSeconds(v: string | undefined): boolean {
  if (v === undefined || v === "") return false;
  const [a, b, ...rest] = v.split(".");
  return rest.length === 0 && isCount(a) && (b === undefined || isCount(b));
}

/** Children must appear in this order, each within [min, max] times, nothing else. */
function sequence(el: XmlElement, spec: [name: string, min: number, max: number][], problems: string[]): void {
  let k = 0;
  for (const [name, min, max] of spec) {
    let n = 0;
    while (k < el.children.length && el.children[k].name === name) {
      k++;
      n++;
    }
    if (n < min || n > max) problems.push(`<${el.name}>: ${n} <${name}>, expected ${min}..${max}`);
  }
  if (k < el.children.length) problems.push(`<${el.name}>: unexpected <${el.children[k].name}> at child ${k}`);
}

function attrs(el: XmlElement, required: string[], optional: string[], problems: string[]): void {
  for (const a of required) if (!(a in el.attrs)) problems.push(`<${el.name}> lacks @${a}`);
  for (const a of Object.keys(el.attrs)) if (!required.includes(a) && !optional.includes(a)) problems.push(`<${el.name}> has unknown @${a}`);
}

function noText(el: XmlElement, problems: string[]): void {
  if (el.text.trim()) problems.push(`<${el.name}> holds text`);
}

export function checkJunit(root: XmlElement): string[] {
  const p: string[] = [];
  if (root.name !== "testsuites") return [`root is <${root.name}>, expected <testsuites>`];
  attrs(root, [], ["name", "tests", "failures", "errors", "time"], p);
  noText(root, p);
  sequence(root, [["testsuite", 0, Infinity]], p);
  for (const a of ["tests", "failures", "errors"]) if (a in root.attrs && !isCount(root.attrs[a])) p.push(`<testsuites> @${a} not a count`);
  if ("time" in root.attrs && !isSeconds(root.attrs.time)) p.push("<testsuites> @time not seconds");
  for (const suite of root.children) {
    attrs(suite, ["name", "tests", "failures", "errors", "time"], ["skipped", "timestamp", "hostname"], p);
    noText(suite, p);
    sequence(suite, [["properties", 0, 1], ["testcase", 0, Infinity], ["system-out", 0, 1], ["system-err", 0, 1]], p);
    for (const a of ["tests", "failures", "errors", "skipped"]) if (a in suite.attrs && !isCount(suite.attrs[a])) p.push(`<testsuite> @${a} not a count`);
    if (!isSeconds(suite.attrs.time)) p.push("<testsuite> @time not seconds");
    const ts = suite.attrs.timestamp;
    if (ts !== undefined && (ts.length !== 19 || ts[4] !== "-" || ts[7] !== "-" || ts[10] !== "T" || ts[13] !== ":" || ts[16] !== ":" || Number.isNaN(Date.parse(ts + "Z")))) p.push(`<testsuite> @timestamp ${ts} not a dateTime`);
    for (const props of suite.children.filter((c) => c.name === "properties")) {
      noText(props, p);
      sequence(props, [["property", 1, Infinity]], p);
      for (const prop of props.children) {
        attrs(prop, ["name", "value"], [], p);
        if (prop.children.length || prop.text) p.push("<property> is not empty");
      }
    }
    const cases = suite.children.filter((c) => c.name === "testcase");
    let failures = 0;
    let errors = 0;
    let skipped = 0;
    for (const tc of cases) {
      attrs(tc, ["name", "classname", "time"], [], p);
      noText(tc, p);
      if (!isSeconds(tc.attrs.time)) p.push(`<testcase ${tc.attrs.name}> @time not seconds`);
      sequence(tc, [["skipped", 0, 1], ["error", 0, 1], ["failure", 0, 1], ["system-out", 0, 1]], p);
      for (const c of tc.children) {
        if (c.children.length) p.push(`<${c.name}> in <testcase ${tc.attrs.name}> has child elements`);
        if (c.name === "error" || c.name === "failure" || c.name === "skipped") attrs(c, [], ["type", "message"], p);
        else attrs(c, [], [], p);
        if (c.name === "error") errors++;
        if (c.name === "failure") failures++;
        if (c.name === "skipped") skipped++;
      }
    }
    if (suite.attrs.tests !== String(cases.length)) p.push(`<testsuite> @tests=${suite.attrs.tests}, ${cases.length} testcases`);
    if (suite.attrs.failures !== String(failures)) p.push(`<testsuite> @failures=${suite.attrs.failures}, ${failures} <failure>`);
    if (suite.attrs.errors !== String(errors)) p.push(`<testsuite> @errors=${suite.attrs.errors}, ${errors} <error>`);
    if ((suite.attrs.skipped ?? "0") !== String(skipped)) p.push(`<testsuite> @skipped=${suite.attrs.skipped}, ${skipped} <skipped>`);
  }
  return p;
}
