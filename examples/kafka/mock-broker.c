/* librdkafka's mock cluster (rdkafka_mock.h, shipped with librdkafka: a test
 * broker, not Apache Kafka) as a one-broker Kafka server for the Kafka
 * walkthrough, tests and benchmarks. It speaks the broker side of produce,
 * fetch, metadata, offsets and consumer groups, keeps messages in memory,
 * listens on 127.0.0.1:<random port> and advertises that address.
 *
 * Usage: ciliuml7-kafka-mock [TOPIC...]
 * Creates each TOPIC (1 partition), prints "127.0.0.1:PORT" on stdout and
 * serves until SIGINT or SIGTERM. `make build` compiles it to
 * bin/ciliuml7-kafka-mock; examples/kafka/mock-broker.sh runs it in a pod. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int main(int argc, char **argv)
{
	char errstr[512];
	sigset_t stop;
	int sig = 0;
	int i;
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mc;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: %s [TOPIC...]\n"
		       "librdkafka's mock cluster, one broker on 127.0.0.1:<port>; prints the address, serves until SIGINT/SIGTERM\n",
		       argv[0]);
		return 0;
	}
	/* Block the stop signals before librdkafka starts its threads, so only sigwait sees them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	conf = rd_kafka_conf_new();
	/* warnings only: the embedding client has no bootstrap.servers, which librdkafka notes at level 5 */
	rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof(errstr));
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!rk) {
		fprintf(stderr, "ciliuml7-kafka-mock: rd_kafka_new: %s\n", errstr);
		return 1;
	}
	mc = rd_kafka_mock_cluster_new(rk, 1);
	if (!mc) {
		fprintf(stderr, "ciliuml7-kafka-mock: rd_kafka_mock_cluster_new failed\n");
		return 1;
	}
	for (i = 1; i < argc; i++) {
		if (rd_kafka_mock_topic_create(mc, argv[i], 1, 1) != RD_KAFKA_RESP_ERR_NO_ERROR) {
			fprintf(stderr, "ciliuml7-kafka-mock: cannot create topic \"%s\"\n", argv[i]);
			return 1;
		}
	}
	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	sigwait(&stop, &sig);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
