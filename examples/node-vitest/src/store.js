'use strict';
// The shop's data access: customers and their orders in DynamoDB.
//
// Nothing here knows about devstack or tests: the table names come from
// ORDERS_TABLE and CUSTOMERS_TABLE, and the AWS SDK finds the endpoint,
// region and keys in the environment (AWS_ENDPOINT_URL_DYNAMODB,
// AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), as it would in
// production with the real service's.

const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} = require('@aws-sdk/lib-dynamodb');

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function createStore() {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const orders = required('ORDERS_TABLE');
  const customers = required('CUSTOMERS_TABLE');

  return {
    async customer(id) {
      const { Item } = await db.send(new GetCommand({ TableName: customers, Key: { id } }));
      return Item;
    },

    async placeOrder(customerId, orderId, order) {
      const item = { pk: `CUSTOMER#${customerId}`, sk: `ORDER#${orderId}`, ...order };
      await db.send(
        new PutCommand({
          TableName: orders,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return item;
    },

    async ordersOf(customerId) {
      const { Items } = await db.send(
        new QueryCommand({
          TableName: orders,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `CUSTOMER#${customerId}` },
        }),
      );
      return Items;
    },

    async allOrders() {
      const found = [];
      let ExclusiveStartKey;
      do {
        const page = await db.send(new ScanCommand({ TableName: orders, ExclusiveStartKey }));
        found.push(...page.Items);
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return found;
    },

    close() {
      db.destroy();
    },
  };
}

module.exports = { createStore };
