const { isolationCheck } = require('../isolation.cjs');

// Runs beside isolation-b on another worker, so on another stack: what
// one writes, the other never sees.
it('never sees the orders of the file running beside it', async () => {
  const { seen, sawOther } = await isolationCheck('a', 'b');
  expect(seen).toContain('a');
  expect(sawOther).toBe(false);
}, 60_000);
