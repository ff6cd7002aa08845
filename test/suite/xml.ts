/**
 * A tiny strict XML reader for the tests (no dependency): elements, double- or single-quoted
 * attributes, text, CDATA, comments, the XML declaration, the five named entities and
 * character references. Throws on anything malformed (unclosed or mismatched tags, duplicate
 * attributes, a bare `&` or `<`, text outside the root, characters XML 1.0 forbids).
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text content directly inside this element. */
  text: string;
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function isNameChar(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c === "-" || c === "_" || c === "." || c === ":";
}
function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}
function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

export function parseXml(src: string): XmlElement {
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`XML: ${msg} at offset ${i}`);
  };
  for (const ch of src) if (!isXmlChar(ch.codePointAt(0)!)) fail(`forbidden character U+${ch.codePointAt(0)!.toString(16)}`);
  const startsWith = (s: string) => src.startsWith(s, i);
  const skipSpace = () => {
    while (i < src.length && isSpace(src[i])) i++;
  };
  const name = (): string => {
    const start = i;
    while (i < src.length && isNameChar(src[i])) i++;
    if (i === start) fail("name expected");
    return src.slice(start, i);
  };
  const decode = (raw: string): string => {
    let out = "";
    for (let k = 0; k < raw.length; k++) {
      const c = raw[k];
      if (c === "<") fail("'<' in text or attribute");
      if (c !== "&") {
        out += c;
        continue;
      }
      const end = raw.indexOf(";", k);
      if (end < 0) fail("unterminated entity");
      const ent = raw.slice(k + 1, end);
      if (ent.startsWith("#x")) out += String.fromCodePoint(parseInt(ent.slice(2), 16));
      else if (ent.startsWith("#")) out += String.fromCodePoint(parseInt(ent.slice(1), 10));
      else if (ent in NAMED) out += NAMED[ent];
      else fail(`unknown entity &${ent};`);
      k = end;
    }
    return out;
  };
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (startsWith("<!--")) {
        const end = src.indexOf("-->", i);
        if (end < 0) fail("unterminated comment");
        i = end + 3;
      } else if (startsWith("<?")) {
        const end = src.indexOf("?>", i);
        if (end < 0) fail("unterminated declaration");
        i = end + 2;
      } else return;
    }
  };
  const element = (): XmlElement => {
    if (src[i] !== "<") fail("'<' expected");
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: "" };
    for (;;) {
      const before = i;
      skipSpace();
      if (startsWith("/>")) {
        i += 2;
        return el;
      }
      if (src[i] === ">") {
        i++;
        break;
      }
      if (i === before) fail("space expected before attribute");
      const a = name();
      skipSpace();
      if (src[i] !== "=") fail("'=' expected");
      i++;
      skipSpace();
      const q = src[i];
      if (q !== '"' && q !== "'") fail("quoted attribute value expected");
      const end = src.indexOf(q, i + 1);
      if (end < 0) fail("unterminated attribute value");
      if (a in el.attrs) fail(`duplicate attribute ${a}`);
      el.attrs[a] = decode(src.slice(i + 1, end));
      i = end + 1;
    }
    for (;;) {
      if (i >= src.length) fail(`<${el.name}> not closed`);
      if (startsWith("</")) {
        i += 2;
        const n = name();
        if (n !== el.name) fail(`</${n}> closes <${el.name}>`);
        skipSpace();
        if (src[i] !== ">") fail("'>' expected");
        i++;
        return el;
      }
      if (startsWith("<!--")) {
        const end = src.indexOf("-->", i);
        if (end < 0) fail("unterminated comment");
        i = end + 3;
      } else if (startsWith("<![CDATA[")) {
        const end = src.indexOf("]]>", i);
        if (end < 0) fail("unterminated CDATA");
        el.text += src.slice(i + 9, end);
        i = end + 3;
      } else if (src[i] === "<") el.children.push(element());
      else {
        const end = src.indexOf("<", i);
        el.text += decode(src.slice(i, end < 0 ? src.length : end));
        i = end < 0 ? src.length : end;
      }
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (i !== src.length) fail("content after the root element");
  return root;
}
