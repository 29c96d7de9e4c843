// openloop: HTTP/1.1 load at a fixed rate that corrects for coordinated omission.
//
// Request k is due at T0 + k/RATE and goes to connection k mod CONNS. A connection
// sends its next due request as soon as it is due and the previous response is in
// (no pipelining, keep-alive). Latency is measured from the request's INTENDED send
// time, not from when it could be sent: when the server stalls, the requests that
// should have gone out meanwhile are charged the stall (what a closed-loop tool such
// as wrk, or h2load --rps, which waits for each reply, hides).
//
//   openloop -a ADDR -p PORT -r RATE -d SECONDS [-c CONNS] [-w WARMUP_S] [-P PATH] [-H HOST]
//
// Prints one line of key=value (times in ms):
//   requests= completed= duration_s= rate= p50_ms= p90_ms= p99_ms= p999_ms= max_ms=
//   non2xx= errors= late_sends= reconnects=
// late_sends: requests sent more than 1 ms after their intended time (the schedule
// slipped because the previous response on that connection was late, or this
// generator fell behind). Exit 0 when the run completed; 2 on bad usage; 1 when no
// connection could be made.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 20000
#define BUF 65536

struct conn {
	int fd;
	int busy;            // a request is in flight
	int64_t intended;    // intended send time of the request in flight (ns)
	int recorded;        // the in-flight request counts (sent after the warm-up)
	size_t have;         // bytes buffered of the current response
	long body_left;      // -1: still in the head
	int status;
	char buf[BUF];
};

static struct conn *conns;
static int nconns = 50, epfd;
static struct sockaddr_in addr;
static char request[1024];
static size_t request_len;
static int64_t *lat; // recorded latencies (ns)
static size_t nlat, caplat;
static long non2xx, errors, late, reconnects, completed, sent_recorded;

static int64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int open_conn(struct conn *c) {
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) return -1;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
	epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
	c->fd = fd;
	c->busy = 0;
	c->have = 0;
	c->body_left = -1;
	return 0;
}

static void reset_conn(struct conn *c, int count_error) {
	if (c->busy && c->recorded && count_error) errors++;
	if (c->fd >= 0) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	reconnects++;
	if (open_conn(c) < 0) c->fd = -1;
}

static void record(struct conn *c, int64_t t) {
	if (c->recorded) {
		completed++;
		if (c->status < 200 || c->status > 299) non2xx++;
		if (nlat == caplat) {
			caplat = caplat ? caplat * 2 : 1 << 16;
			lat = realloc(lat, caplat * sizeof *lat);
			if (!lat) { perror("realloc"); exit(1); }
		}
		lat[nlat++] = t - c->intended;
	}
	c->busy = 0;
}

// Parses what is buffered; returns 1 when a whole response was consumed.
static int parse(struct conn *c) {
	if (c->body_left < 0) {
		char *end = memmem(c->buf, c->have, "\r\n\r\n", 4);
		if (!end) return 0;
		size_t head = (size_t)(end - c->buf) + 4;
		c->status = (c->have > 12 && memcmp(c->buf, "HTTP/1.", 7) == 0) ? atoi(c->buf + 9) : 0;
		long length = -1;
		for (char *p = c->buf; p < end;) {
			char *nl = memmem(p, (size_t)(end - p), "\r\n", 2);
			if (!nl) nl = end;
			if ((size_t)(nl - p) > 15 && strncasecmp(p, "content-length:", 15) == 0) length = strtol(p + 15, NULL, 10);
			if ((size_t)(nl - p) > 18 && strncasecmp(p, "transfer-encoding:", 18) == 0) length = -2;
			p = nl + 2;
		}
		if (length < 0) return -1; // chunked or unframed: this generator only reads Content-Length bodies
		memmove(c->buf, c->buf + head, c->have - head);
		c->have -= head;
		c->body_left = length;
	}
	size_t take = (size_t)c->body_left < c->have ? (size_t)c->body_left : c->have;
	memmove(c->buf, c->buf + take, c->have - take);
	c->have -= take;
	c->body_left -= (long)take;
	if (c->body_left > 0) return 0;
	c->body_left = -1;
	return 1;
}

static int cmp64(const void *a, const void *b) {
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static double pct(double q) {
	if (!nlat) return -1;
	size_t i = (size_t)(q * (double)nlat);
	if (i >= nlat) i = nlat - 1;
	return (double)lat[i] / 1e6;
}

static void usage(void) {
	fprintf(stderr, "usage: openloop -a ADDR -p PORT -r RATE -d SECONDS [-c CONNS] [-w WARMUP_S] [-P PATH] [-H HOST]\n");
	exit(2);
}

int main(int argc, char **argv) {
	const char *host_addr = NULL, *path = "/", *host = NULL;
	int port = 0, opt;
	double rate = 0, duration = 0, warmup = 0;
	while ((opt = getopt(argc, argv, "a:p:r:d:c:w:P:H:")) != -1) {
		switch (opt) {
		case 'a': host_addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'd': duration = atof(optarg); break;
		case 'c': nconns = atoi(optarg); break;
		case 'w': warmup = atof(optarg); break;
		case 'P': path = optarg; break;
		case 'H': host = optarg; break;
		default: usage();
		}
	}
	if (!host_addr || port <= 0 || port > 65535 || rate <= 0 || duration <= 0 || nconns < 1 || nconns > MAX_CONNS || warmup < 0) usage();
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host_addr, &addr.sin_addr) != 1) { fprintf(stderr, "openloop: not an IPv4 address: %s\n", host_addr); return 2; }
	request_len = (size_t)snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: openloop\r\n\r\n",
		path, host ? host : host_addr, port);
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0); // wake-ups within ~1 us of the schedule

	epfd = epoll_create1(EPOLL_CLOEXEC);
	conns = calloc((size_t)nconns, sizeof *conns);
	if (!conns || epfd < 0) { perror("openloop"); return 1; }
	int up = 0;
	for (int i = 0; i < nconns; i++) {
		conns[i].fd = -1;
		if (open_conn(&conns[i]) == 0) up++;
	}
	if (!up) { fprintf(stderr, "openloop: cannot connect to %s:%d\n", host_addr, port); return 1; }

	const double interval = 1e9 / rate;
	const int64_t t0 = now_ns() + 20000000; // 20 ms to let connections establish
	const int64_t t_rec = t0 + (int64_t)(warmup * 1e9);
	const int64_t t_end = t_rec + (int64_t)(duration * 1e9);
	// next[i]: index k of the next request due on connection i (k = i, i + n, i + 2n, ...)
	int64_t *next = malloc((size_t)nconns * sizeof *next);
	for (int i = 0; i < nconns; i++) next[i] = i;
	struct epoll_event evs[256];
	int64_t drain_until = 0;

	for (;;) {
		int64_t now = now_ns();
		int64_t soonest = INT64_MAX;
		int scheduling = 0;
		for (int i = 0; i < nconns; i++) {
			struct conn *c = &conns[i];
			int64_t due = t0 + (int64_t)((double)next[i] * interval);
			if (due >= t_end) continue;
			scheduling = 1;
			if (c->busy || c->fd < 0) {
				if (c->fd < 0 && open_conn(c) == 0) reconnects++;
				continue; // sends when the response is in (its latency keeps counting from `due`)
			}
			if (due > now) {
				if (due < soonest) soonest = due;
				continue;
			}
			ssize_t w = send(c->fd, request, request_len, MSG_NOSIGNAL);
			if (w != (ssize_t)request_len) { // a short write of ~100 bytes on an idle socket: treat as broken
				if (due >= t_rec) errors++;
				reset_conn(c, 0);
				next[i] += nconns;
				continue;
			}
			c->busy = 1;
			c->intended = due;
			c->recorded = due >= t_rec;
			if (c->recorded) sent_recorded++;
			if (now - due > 1000000 && c->recorded) late++;
			next[i] += nconns;
			int64_t nd = t0 + (int64_t)((double)next[i] * interval);
			if (nd < t_end && nd < soonest) soonest = nd;
		}
		if (!scheduling) {
			// every request sent: wait (bounded) for the last responses
			int pending = 0;
			for (int i = 0; i < nconns; i++) pending += conns[i].busy;
			if (!pending) break;
			if (!drain_until) drain_until = now + 5000000000LL;
			if (now > drain_until) { errors += pending; break; }
			soonest = now + 10000000;
		}
		struct timespec ts = {0, 0};
		if (soonest != INT64_MAX && soonest > now) {
			int64_t d = soonest - now;
			if (d > 10000000) d = 10000000;
			ts.tv_sec = d / 1000000000LL;
			ts.tv_nsec = d % 1000000000LL;
		} else if (soonest == INT64_MAX) {
			ts.tv_nsec = 1000000; // only busy connections: wait for a response
		}
		int n = epoll_pwait2(epfd, evs, 256, &ts, NULL);
		if (n < 0 && errno != EINTR) { perror("epoll_pwait2"); return 1; }
		int64_t t = now_ns();
		for (int e = 0; e < n; e++) {
			struct conn *c = evs[e].data.ptr;
			for (;;) {
				if (c->have == BUF) { c->have = 0; }
				ssize_t r = recv(c->fd, c->buf + c->have, BUF - c->have, 0);
				if (r > 0) {
					c->have += (size_t)r;
					int done;
					while (c->busy && (done = parse(c)) != 0) {
						if (done < 0) { reset_conn(c, 1); break; }
						record(c, t);
					}
					if (c->fd < 0) break;
					continue;
				}
				if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
					reset_conn(c, 1); // closed (Connection: close, reset): a new connection takes the next request
				}
				break;
			}
		}
	}

	qsort(lat, nlat, sizeof *lat, cmp64);
	printf("requests=%ld completed=%ld duration_s=%.2f rate=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f non2xx=%ld errors=%ld late_sends=%ld reconnects=%ld\n",
		sent_recorded, completed, duration, rate, pct(0.50), pct(0.90), pct(0.99), pct(0.999), nlat ? (double)lat[nlat - 1] / 1e6 : -1.0,
		non2xx, errors, late, reconnects);
	return 0;
}
