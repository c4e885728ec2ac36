const { isolationCheck } = require('../isolation.cjs');

// Runs beside isolation-a on another worker, so on another stack: what
// one writes, the other never sees.
it('never sees the orders of the file running beside it', async () => {
  const { seen, sawOther } = await isolationCheck('b', 'a');
  expect(seen).toContain('b');
  expect(sawOther).toBe(false);
}, 60_000);
