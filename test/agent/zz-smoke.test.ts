import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestAcs } from '../acs/index.js';
import { startDaemon } from '../helpers/daemon.js';

test('smoke', async () => {
  const acs = await startTestAcs();
  const d = await startDaemon({ settings: { 'acs-url': acs.url } });
  try {
    const s = await acs.waitForSession(1, 15000);
    console.log(JSON.stringify(s.inform.event), s.state, s.failure, acs.violations);
    console.log(s.inform.parameterList.map(p=>p.name+'='+p.value).join('\n'));
    assert.equal(s.state, 'ended');
  } finally {
    console.log(d.log().slice(-3000));
    await d.stop();
    await acs.close();
  }
});
