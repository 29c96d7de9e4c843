// kafkajs (a Kafka client written in JavaScript, not based on librdkafka) against
// the proxy: produce to and consume from an allowed topic, then produce to a
// denied one. Prints one line per step: "<step> ok <detail>" or "<step> error <type>".
const { Kafka, logLevel } = require('kafkajs');

const [broker, allowed, denied] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'kafkajs-empire', brokers: [broker], logLevel: logLevel.NOTHING, retry: { retries: 1 } });

async function step(name, fn) {
  try {
    console.log(`${name} ok ${(await fn()) ?? ''}`);
  } catch (e) {
    const cause = e.cause ?? e.originalError ?? e;
    console.log(`${name} error ${cause.type ?? e.type ?? e.name}: ${e.message}`);
  }
}

(async () => {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  await step('produce-allowed', async () => {
    await producer.send({ topic: allowed, messages: [{ value: 'kafkajs-order' }] });
  });
  await step('produce-denied', async () => {
    await producer.send({ topic: denied, messages: [{ value: 'plans' }] });
  });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'kafkajs-group' });
  await step('consume-allowed', async () => {
    await consumer.connect();
    await consumer.subscribe({ topic: allowed, fromBeginning: true });
    const value = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message in 20 s')), 20000);
      consumer.run({ eachMessage: async ({ message }) => { clearTimeout(timer); resolve(message.value.toString()); } });
    });
    return value;
  });
  await consumer.disconnect();
  process.exit(0);
})().catch((e) => { console.log(`fatal ${e.type ?? e.name}: ${e.message}`); process.exit(1); });
