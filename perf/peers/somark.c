/*
 * LD_PRELOAD shim for the haproxy-tp peer: puts SO_MARK $PERF_SO_MARK on
 * every socket the process connect()s, i.e. HAProxy's upstream connections,
 * so the CiliumL7 datapath treats them as the proxy's own upstream traffic
 * (mark 0x0B00: never redirected again), as CiliumL7's proxy does itself.
 * HAProxy 2.6 has no option to mark backend connections. Built by
 * perf/lib/ciliuml7.sh with clang into the run's temp dir.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/socket.h>

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	static int (*real_connect)(int, const struct sockaddr *, socklen_t);
	const char *env = getenv("PERF_SO_MARK");
	int mark;

	if (!real_connect)
		real_connect = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
	if (env && addr && (addr->sa_family == AF_INET || addr->sa_family == AF_INET6)) {
		mark = (int)strtol(env, NULL, 0);
		setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
	}
	return real_connect(fd, addr, len);
}
