import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { looksLikeManifest, parseManifest } from '../../src/transfers/manifest.js';
import { TransferFault } from '../../src/transfers/faults.js';

const SHA = 'AB'.repeat(32);

const ROUTEROS = `<?xml version="1.0" encoding="UTF-8"?>
<upgrade version="1" type="links">
  <config />
  <links>
    <link>
      <url>https://upgrade.example/routeros-7.16-arm64.npk</url>
    </link>
    <link><url>https://upgrade.example/tr069-client-7.16-arm64.npk</url><sha256>${SHA}</sha256><size>123456</size></link>
  </links>
</upgrade>
`;

function rejects9018(text: string, reason: RegExp): void {
  assert.throws(
    () => parseManifest(text),
    (e: unknown) => e instanceof TransferFault && e.faultCode === 9018 && reason.test(e.message),
    `expected 9018 matching ${reason} for ${text.slice(0, 60)}`,
  );
}

function wrap(links: string, attrs = 'version="1" type="links"', extra = ''): string {
  return `<upgrade ${attrs}>${extra}<links>${links}</links></upgrade>`;
}

test('a RouterOS manifest with our sha256/size extension', () => {
  assert.deepEqual(parseManifest(ROUTEROS), {
    links: [
      { url: 'https://upgrade.example/routeros-7.16-arm64.npk' },
      { url: 'https://upgrade.example/tr069-client-7.16-arm64.npk', sha256: SHA.toLowerCase(), size: 123456 },
    ],
  });
  // entities and comments are fine; config may be absent
  assert.deepEqual(parseManifest(wrap('<!-- c --><link><url>http://h/a?x=1&amp;y=2</url></link>')).links, [{ url: 'http://h/a?x=1&y=2' }]);
});

test('bad manifests are 9018 with the reason', () => {
  rejects9018('<upgrade version="1" type="links"><links>', /not well-formed/);
  rejects9018('<update version="1" type="links"><links/></update>', /root element is <update>/);
  rejects9018(wrap('<link><url>http://h/a</url></link>', 'version="2" type="links"'), /version "2"/);
  rejects9018(wrap('<link><url>http://h/a</url></link>', 'version="1" type="files"'), /type "files"/);
  rejects9018(wrap(''), /<links> is empty/);
  rejects9018('<upgrade version="1" type="links"><config/></upgrade>', /no <links>/);
  rejects9018(wrap('<link><url>ftp://h/a</url></link>'), /only http and https/);
  rejects9018(wrap('<link><url>/relative/a.npk</url></link>'), /not an absolute URL/);
  rejects9018(wrap('<link></link>'), /has no <url>/);
  rejects9018(wrap('<link><url>http://h/a</url><url>http://h/b</url></link>'), /more than one <url>/);
  rejects9018(wrap('<link><url>http://h/a</url><sha256>abc</sha256></link>'), /64 hexadecimal/);
  rejects9018(wrap('<link><url>http://h/a</url><size>-1</size></link>'), /number of bytes/);
  rejects9018(wrap('<link><url>http://h/a</url><md5>x</md5></link>'), /unknown element <md5>/);
  rejects9018(wrap('<link><url>http://h/a</url></link>', undefined, '<config>/system reset</config>'), /non-empty <config>/);
  rejects9018(wrap('<item/>'), /unknown element <item> in <links>/);
  rejects9018(wrap('<link><url>http://h/a</url></link>'.repeat(33)), /more than 32 links/);
  rejects9018('<!DOCTYPE x [<!ENTITY a "b">]>' + wrap('<link><url>http://h/&a;</url></link>'), /DTD/);
  rejects9018(wrap('<link><url>http://h/a<b/></url></link>'), /<url> must hold only text/);
  rejects9018('<?xml version="1.0"?>', /not well-formed/);
  rejects9018(' '.repeat(70_000), /larger than/);
});

test('manifest detection: BOM, whitespace, XML declaration and comments before <upgrade', () => {
  assert.equal(looksLikeManifest(ROUTEROS), true);
  assert.equal(looksLikeManifest('\uFEFF\n  <upgrade version="1">'), true);
  assert.equal(looksLikeManifest('<?xml version="1.0"?><!-- made by ACS --><upgrade>'), true);
  assert.equal(looksLikeManifest('<upgraded/>'), false);
  assert.equal(looksLikeManifest('MZ\x90\x00binary image'), false);
  assert.equal(looksLikeManifest('#!/bin/sh\necho <upgrade'), false);
});

test('property: any input either parses or is a 9018 TransferFault', () => {
  const pieces = fc.constantFrom(
    '<upgrade version="1" type="links">', '</upgrade>', '<links>', '</links>', '<link>', '</link>',
    '<url>', '</url>', 'http://h/a', '<config/>', '<sha256>', '</sha256>', '&amp;', '&#x41;', '<!--x-->', '<', '>', '"', ' ',
  );
  fc.assert(
    fc.property(fc.array(fc.oneof(pieces, fc.string({ maxLength: 5 })), { maxLength: 30 }), (parts) => {
      try {
        const m = parseManifest(parts.join(''));
        assert.ok(m.links.length >= 1);
      } catch (e) {
        assert.ok(e instanceof TransferFault && e.faultCode === 9018, String(e));
      }
    }),
    { numRuns: 2000 },
  );
});
