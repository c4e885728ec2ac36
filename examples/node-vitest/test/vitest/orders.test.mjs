import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { reset, tableName } from 'devstack';

import { createStore } from '../../src/store.js';

const store = createStore();
afterAll(() => store.close());

// Every test starts from the seed data of this worker's own stack.
beforeEach(() => reset('orders'));

describe('the shop store on its own stack', () => {
  it('reads a seeded customer', async () => {
    const ada = await store.customer('c-001');
    expect(ada).toMatchObject({ name: 'Ada Lovelace', tier: 'gold' });
  });

  it('reads the table names the manifest gives', () => {
    expect(process.env.ORDERS_TABLE).toBe(tableName('orders'));
    expect(tableName('orders')).toBe('shop_orders');
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('sees none of the AWS settings of the shell it was started from', () => {
    expect(process.env.AWS_PROFILE).toBeUndefined();
    expect(process.env.AWS_SESSION_TOKEN).toBeUndefined();
    expect(process.env.AWS_ACCESS_KEY_ID).toBe('test');
  });

  it('writes an order, and reset() brings the seed data back', async () => {
    await store.placeOrder('c-003', 'o-3001', { total: 7, status: 'open' });
    expect(await store.ordersOf('c-003')).toHaveLength(1);

    reset('orders');

    expect(await store.ordersOf('c-003')).toHaveLength(0);
    expect(await store.ordersOf('c-001')).toHaveLength(2);
  });

  it('starts from the seed data again after the order of the last test', async () => {
    expect(await store.ordersOf('c-003')).toHaveLength(0);
    expect(await store.allOrders()).toHaveLength(3);
  });
});
