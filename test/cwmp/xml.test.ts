import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml, XmlError, type XmlElement, type XmlErrorCode } from '../../src/cwmp/index.js';

function throwsXml(text: string, code: XmlErrorCode, re?: RegExp, limits?: { maxBytes?: number; maxDepth?: number }): void {
  assert.throws(
    () => parseXml(text, limits),
    (e: unknown) => {
      assert.ok(e instanceof XmlError, `expected XmlError, got ${String(e)}`);
      assert.equal(e.code, code, e.message);
      if (re) assert.match(e.message, re);
      return true;
    },
  );
}

test('elements, prefixes, attributes, children and text', () => {
  const root = parseXml(
    '<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><a:root xmlns:a="urn:x" id=\'7\'>\n  <b>one</b>\n  <a:c k="v" k2 = "w"/>\n  <d></d>\n</a:root>\n<!-- after -->\n',
  );
  assert.equal(root.name, 'root');
  assert.equal(root.prefix, 'a');
  assert.deepEqual({ ...root.attrs }, { 'xmlns:a': 'urn:x', id: '7' });
  assert.equal(root.text, '', 'whitespace between child elements is dropped');
  assert.deepEqual(
    root.children.map((c) => [c.prefix, c.name, c.text, { ...c.attrs }]),
    [
      ['', 'b', 'one', {}],
      ['a', 'c', '', { k: 'v', k2: 'w' }],
      ['', 'd', '', {}],
    ],
  );
});

test('leaf text keeps its whitespace exactly; mixed text is kept', () => {
  assert.equal(parseXml('<v>  two  words \n</v>').text, '  two  words \n');
  assert.equal(parseXml('<v> </v>').text, ' ');
  const m = parseXml('<p>x <b>y</b> z</p>');
  assert.equal(m.text, 'x  z');
  assert.equal(m.children[0].text, 'y');
});

test('the five predefined entities and numeric references are decoded', () => {
  assert.equal(parseXml('<v>&lt;&gt;&amp;&quot;&apos;</v>').text, '<>&"\'');
  assert.equal(parseXml('<v>&#65;&#x42;&#X43;&#x1F600;&#233;</v>').text, 'AB&#X43;😀é');
  assert.equal(parseXml('<v a="&lt;&#x26;&quot;"/>').attrs.a, '<&"');
});

test('an & that is not a valid reference stays literal text (GenieACS raw & in URLs)', () => {
  assert.equal(parseXml('<URL>http://h/f?a=1&b=2&c</URL>').text, 'http://h/f?a=1&b=2&c');
  assert.equal(parseXml('<v>&foo; &lol9; & &; &#; &#xZZ; &#0; &#xD800; &#x110000;</v>').text, '&foo; &lol9; & &; &#; &#xZZ; &#0; &#xD800; &#x110000;');
  assert.equal(parseXml('<v>a &amp&amp; b</v>').text, 'a &amp& b');
});

test('CDATA is read as text; comments and processing instructions are skipped', () => {
  assert.equal(parseXml('<v><![CDATA[<not> &amp; markup]]></v>').text, '<not> &amp; markup');
  assert.equal(parseXml('<v>a<!-- <x> -->b<?pi data?>c</v>').text, 'abc');
});

test('line ends are normalised; &#13; survives; attribute whitespace becomes spaces', () => {
  assert.equal(parseXml('<v>a\r\nb\rc&#13;d</v>').text, 'a\nb\nc\rd');
  assert.equal(parseXml('<v a="x\ty\nz&#10;"/>').attrs.a, 'x y z\n');
});

test('a byte-order mark is ignored', () => {
  assert.equal(parseXml('\ufeff<v>1</v>').text, '1');
});

test('DOCTYPE and entity declarations are refused, never expanded (billion laughs)', () => {
  const bomb =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>';
  throwsXml(bomb, 'forbidden', /DOCTYPE/);
  throwsXml('<!DOCTYPE x SYSTEM "file:///etc/passwd"><x>&xxe;</x>', 'forbidden');
  throwsXml('<x><!ENTITY e "v"></x>', 'forbidden', /ENTITY/);
  throwsXml('<x><!ELEMENT x ANY></x>', 'forbidden');
  // Without a DTD a reference to an undeclared entity is just text.
  assert.equal(parseXml('<lolz>&lol3;</lolz>').text, '&lol3;');
});

test('nesting deeper than the limit is refused (default 64)', () => {
  const deep = (n: number): string => '<a>'.repeat(n) + '</a>'.repeat(n);
  assert.equal(parseXml(deep(64)).name, 'a');
  throwsXml(deep(65), 'too-deep');
  throwsXml(deep(100_000), 'too-deep');
  throwsXml('<a><b><c/></b></a>', 'too-deep', /deeper than 2/, { maxDepth: 2 });
  assert.equal(parseXml('<a><b/></a>', { maxDepth: 2 }).children[0].name, 'b');
});

test('input larger than the limit is refused before parsing (default 4 MiB)', () => {
  throwsXml('<a>' + 'x'.repeat(4 * 1024 * 1024) + '</a>', 'too-large');
  throwsXml('<a>0123456789</a>', 'too-large', /limit is 10/, { maxBytes: 10 });
  assert.equal(parseXml('<a>0123</a>', { maxBytes: 11 }).text, '0123');
});

test('not well-formed input is a malformed XmlError with a position', () => {
  const bad: [string, RegExp][] = [
    ['', /no root/],
    ['   <!-- only a comment -->  ', /no root/],
    ['text', /outside the root/],
    ['<a>', /not closed/],
    ['<a></b>', /does not match/],
    ['<a></ab>', /does not match/],
    ['<ab></a>', /does not match/],
    ['<a/></a>', /without a start tag/],
    ['<a/><b/>', /more than one root/],
    ['<a/>x', /outside the root/],
    ['<a x=1/>', /not quoted/],
    ['<a x/>', /no value/],
    ['<a x="1" x="2"/>', /duplicate attribute/],
    ['<a x="1"y="2"/>', /attribute syntax/],
    ['<a x="<"/>', /'<' in an attribute/],
    ['<a x="1/>', /unterminated/],
    ['< a/>', /after '<'/],
    ['<1a/>', /after '<'/],
    ['<a><!-- x </a>', /unterminated comment/],
    ['<a><![CDATA[x</a>', /unterminated CDATA/],
    ['<a><?pi </a>', /unterminated processing/],
    ['<a><!WHAT></a>', /unknown markup/],
    ['<a></a', /unterminated end tag/],
    ['<a', /unterminated start tag/],
    ['<a/ >', /expected '\/>'/],
  ];
  for (const [text, re] of bad) {
    try {
      parseXml(text);
      assert.fail(`accepted ${JSON.stringify(text)}`);
    } catch (e) {
      assert.ok(e instanceof XmlError, `${JSON.stringify(text)}: ${String(e)}`);
      assert.equal(e.code, 'malformed', `${JSON.stringify(text)}: ${e.message}`);
      assert.match(e.message, re, JSON.stringify(text));
    }
  }
  throwsXml('<a>\n<b>\n</c></a>', 'malformed', /line 3, column 1/);
});

test('end tags may carry trailing whitespace; names may hold dots, dashes, digits and non-ASCII', () => {
  const r = parseXml('<x.y-z_1 a.b="1"><ñame>v</ñame ></x.y-z_1\n>');
  assert.equal(r.name, 'x.y-z_1');
  assert.equal(r.children[0].name, 'ñame');
});

test('a QName with two colons (GenieACS soap-env:Body:Fault) splits at the first colon', () => {
  const r = parseXml('<soap-env:Body:Fault><faultcode>Server</faultcode></soap-env:Body:Fault>');
  assert.equal(r.prefix, 'soap-env');
  assert.equal(r.name, 'Body:Fault');
});

test('attribute named __proto__ is stored as data and does not change the prototype', () => {
  const r = parseXml('<a __proto__="x" constructor="y"/>');
  assert.equal(Object.getPrototypeOf(r.attrs), Object.prototype);
  assert.deepEqual(Object.keys(r.attrs), ['__proto__', 'constructor']);
  assert.equal(r.attrs.constructor, 'y');
});

test('a RouterOS-style manifest reads as a general tree', () => {
  const m: XmlElement = parseXml(
    '<?xml version="1.0"?>\n<upgrade version="1">\n  <config/>\n  <links>\n    <link><url>https://h/p.npk?x=1&amp;y=2</url><sig>abc</sig></link>\n  </links>\n</upgrade>\n',
  );
  assert.equal(m.attrs.version, '1');
  assert.equal(m.children[1].children[0].children[0].text, 'https://h/p.npk?x=1&y=2');
});

test('a pathological run of & without ; is read (the reference search is bounded, not quadratic)', { timeout: 60_000 }, () => {
  const text = '<v>' + '&'.repeat(1_000_000) + '&amp;</v>';
  assert.equal(parseXml(text).text, '&'.repeat(1_000_001));
});

test('lists of long sibling names (the native-compare path) parse exactly, near misses included', () => {
  const r = parseXml(
    '<r><ParameterValueStruct a="1"/><ParameterValueStructX/><ParameterValueStruct>x</ParameterValueStruct>' +
      '<ParameterValueStruct >y</ParameterValueStruct ><p:ParameterValueStruct/><p:ParameterValueStruct/></r>',
  );
  assert.deepEqual(
    r.children.map((c) => [c.prefix, c.name, c.text, { ...c.attrs }]),
    [
      ['', 'ParameterValueStruct', '', { a: '1' }],
      ['', 'ParameterValueStructX', '', {}],
      ['', 'ParameterValueStruct', 'x', {}],
      ['', 'ParameterValueStruct', 'y', {}],
      ['p', 'ParameterValueStruct', '', {}],
      ['p', 'ParameterValueStruct', '', {}],
    ],
  );
  throwsXml('<r><ParameterValueStruct></ParameterValueStruc></r>', 'malformed', /does not match/);
  throwsXml('<r><ParameterValueStruct></ParameterValueStructs></r>', 'malformed', /does not match/);
  throwsXml('<r><ParameterValueStruct></ParameterValueStruct_></r>', 'malformed', /does not match/);
  // Many distinct long sibling names: every guess misses, the names are still right.
  const names = Array.from({ length: 200 }, (_, i) => `LongSiblingName${i}`);
  const many = parseXml(`<r>${names.map((n) => `<${n}/>`).join('')}</r>`);
  assert.deepEqual(
    many.children.map((c) => c.name),
    names,
  );
});
