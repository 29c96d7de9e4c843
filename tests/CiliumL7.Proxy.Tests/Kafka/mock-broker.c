/* librdkafka's mock cluster (rdkafka_mock.h) as a one-broker Kafka server for the
 * proxy's tests: creates the topics named on the command line, prints the
 * listener address ("127.0.0.1:PORT", which it also advertises) and serves
 * until stdin is closed. */
#include <stdio.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int main(int argc, char **argv)
{
	char errstr[512];
	char buf[64];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	rd_kafka_mock_cluster_t *mc;
	int i;

	if (!rk) {
		fprintf(stderr, "rd_kafka_new: %s\n", errstr);
		return 1;
	}
	mc = rd_kafka_mock_cluster_new(rk, 1);
	if (!mc) {
		fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
		return 1;
	}
	for (i = 1; i < argc; i++)
		rd_kafka_mock_topic_create(mc, argv[i], 1, 1);
	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	while (fread(buf, 1, sizeof(buf), stdin) > 0)
		;
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
