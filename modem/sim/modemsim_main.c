/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loa-modemsim — a simulated USB GSM modem on a pseudo-terminal, for libgammu's real AT driver.
 *
 * Server mode opens a pty, makes --link a symlink to its slave device, and serves AT commands on
 * it (modem/sim/sim_at.c). A unix stream socket (--control) takes one JSON command a line
 * (modem/sim/sim_ctl.c) to inject citizens' SMS and read state back. Everything sent through the
 * modem, and every injected or deleted message, is appended to --record as JSON lines.
 *
 * Client modes talk to a running simulator's control socket:
 *   loa-modemsim ctl SOCK 'JSON'         print the answer; exit 0 when it has "ok":true
 *   loa-modemsim inject SOCK FROM TEXT   shorthand for {"cmd":"inject","from":..,"text":..}
 *
 * DESIGN
 * One thread, one poll(2) loop over: the pty master, an inotify watch on the slave device (its
 * open/close events tell whether a client holds the modem), a signalfd for SIGTERM/SIGINT, the
 * control listener and its clients. Nothing in the loop sleeps: what the engine must do later
 * (delayed +CMGS answers, status reports, USSD answers, the replug after an unplug) is a
 * deadline, and poll's timeout is the time left until the earliest one; then the engine's tick
 * runs. The simulator keeps a slave fd open itself so that the master never reads EIO when the
 * client closes.
 *
 * Unplug closes the master, the slave and the inotify watch and removes the link, so that the
 * client reads EOF / EIO like on a USB modem pulled out; replug opens a new pty (a different
 * /dev/pts/N while the client still holds the old one) and points the link at it again.
 */
#define _GNU_SOURCE /* accept4, ptsname_r */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "modem/sim/sim.h"

#define MS_MAX_CLIENTS	32
#define MS_LINE_MAX	(64 * 1024)

struct ms_client {
	int fd;
	char in[MS_LINE_MAX];
	size_t in_len;
	char *out;
	size_t out_len;
	bool closing;		/* close once the answer is written */
};

struct ms_server {
	struct sim_modem *modem;
	int master, slave;
	char slave_name[PATH_MAX];
	const char *link;
	const char *sock_path;
	int listen_fd;
	int sig_fd;
	int ino_fd;		/* -1 when inotify is unavailable: the modem counts as connected */
	int opens;		/* client opens of the slave device not yet closed */
	struct ms_client clients[MS_MAX_CLIENTS];
	int nclients;
};

static void
ms_usage(FILE *f)
{
	fprintf(f,
		"usage: loa-modemsim --link PATH --control SOCK --record FILE [options]\n"
		"       loa-modemsim ctl SOCK 'JSON'\n"
		"       loa-modemsim inject SOCK FROM TEXT\n"
		"options (defaults in brackets):\n"
		"  --own-number N     [+84980000001]   --operator MCCMNC  [45204]\n"
		"  --operator-name S  [Viettel]        --imei N           [356938035643809]\n"
		"  --imsi N           [452040000000001] --smsc N          [+84980200030]\n"
		"  --capacity N       [30] SIM slots   --log-level L      [info]\n"
		"  --log-text         readable log lines instead of JSON\n"
		"control commands (one JSON object a line on SOCK):\n"
		"  {\"cmd\":\"inject\",\"from\":F,\"text\":T"
		"[,\"smsc_time\":EPOCH][,\"order\":[2,1]]}\n"
		"  {\"cmd\":\"status\"}  {\"cmd\":\"inbox\"}  {\"cmd\":\"stats\"}\n"
		"  {\"cmd\":\"set\", any of:\n"
		"     \"signal\":0..31|99  \"signal_dbm\":-113..-51  (AT+CSQ)\n"
		"     \"registered\":B     false: CREG 0, no operator, sends get +CMS ERROR: 331\n"
		"     \"fail_count\":K,\"cms_error\":E   next K sends get +CMS ERROR: E [500]\n"
		"     \"latency_ms\":N     answer +CMGS N ms after Ctrl-Z (input held meanwhile)\n"
		"     \"hang\":B           true: answer nothing until false\n"
		"     \"dlr_status\":\"delivered\"|\"pending\"|\"failed\"|\"expired\"|\"none\""
		"|TP-ST\n"
		"     \"dlr_delay_ms\":N   [500] status report for TP-SRR sends, N ms after +CMGS\n"
		"                        (+CDS if AT+CNMI <ds>=1, stored + +CDSI if 2, none if 0)\n"
		"     \"ussd_reply\":S  \"ussd_encoding\":\"auto\"|\"gsm7\"|\"ucs2\"  "
		"\"ussd_status\":0..5\n"
		"     \"ussd_delay_ms\":N  gsm7: dcs 15 in the AT+CSCS charset; ucs2: dcs 72, hex\n"
		"     \"urc_noise\":[L..]  \"urc_every\":K [1]  \"urc_where\":\"start\"|\"end\"\n"
		"                        lines written inside every K-th command's answer }\n"
		"  {\"cmd\":\"urc\",\"line\":L[,\"force\":true]}   an unsolicited line now\n"
		"  {\"cmd\":\"dlr\",\"mr\":N[,\"status\":S][,\"to\":NUM]}  a status report now\n"
		"  {\"cmd\":\"unplug\"[,\"seconds\":S]}  close the pty, drop the link; after S s\n"
		"                        (0: at replug) new pty, fresh modem, same SIM\n"
		"  {\"cmd\":\"replug\"}\n"
		"record events (JSON lines in FILE): inject delete submit refused bad_pdu ussd\n"
		"  dlr{mr,to,status,st,via} unplug replug\n");
}

/* --- client modes ------------------------------------------------------------------------- */

static int
ms_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "loa-modemsim: socket path too long\n");
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "loa-modemsim: connect %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Send one request line, print the answer line; 0 when it says "ok":true. */
static int
ms_ctl(const char *path, const char *request)
{
	char buf[MS_LINE_MAX];
	size_t len = 0;
	int fd = ms_connect(path), ok = 0;
	json_t *ans;

	if (fd < 0)
		return 2;
	if (write(fd, request, strlen(request)) < 0 || write(fd, "\n", 1) < 0) {
		fprintf(stderr, "loa-modemsim: write: %s\n", strerror(errno));
		close(fd);
		return 2;
	}
	while (len + 1 < sizeof(buf)) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(buf, '\n', len))
			break;
	}
	close(fd);
	buf[len] = '\0';
	if (len == 0) {
		fprintf(stderr, "loa-modemsim: no answer\n");
		return 2;
	}
	fputs(buf, stdout);
	if (buf[len - 1] != '\n')
		fputc('\n', stdout);
	ans = json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL);
	ok = ans && json_is_true(json_object_get(ans, "ok"));
	json_decref(ans);
	return ok ? 0 : 1;
}

static int
ms_inject(const char *path, const char *from, const char *text)
{
	json_t *req = json_pack("{s:s,s:s,s:s}", "cmd", "inject", "from", from, "text", text);
	char *line;
	int r;

	if (!req) {
		fprintf(stderr, "loa-modemsim: sender and text must be UTF-8\n");
		return 2;
	}
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	r = ms_ctl(path, line);
	free(line);
	return r;
}

/* --- server set-up ------------------------------------------------------------------------- */

static int
ms_open_pty(struct ms_server *s)
{
	struct termios t;
	struct stat st;

	s->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s->master < 0 || grantpt(s->master) < 0 || unlockpt(s->master) < 0 ||
	    ptsname_r(s->master, s->slave_name, sizeof(s->slave_name)) != 0) {
		LOG(LOG_ERROR, "sim", "cannot open a pseudo-terminal: %s", strerror(errno));
		return -1;
	}
	s->slave = open(s->slave_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s->slave < 0 || tcgetattr(s->slave, &t) < 0) {
		LOG(LOG_ERROR, "sim", "cannot open %s: %s", s->slave_name, strerror(errno));
		return -1;
	}
	cfmakeraw(&t);
	cfsetispeed(&t, B115200);
	cfsetospeed(&t, B115200);
	if (tcsetattr(s->slave, TCSANOW, &t) < 0) {
		LOG(LOG_ERROR, "sim", "cannot set raw mode: %s", strerror(errno));
		return -1;
	}
	fcntl(s->master, F_SETFL, fcntl(s->master, F_GETFL) | O_NONBLOCK);

	if (lstat(s->link, &st) == 0) {
		if (!S_ISLNK(st.st_mode)) {
			LOG(LOG_ERROR, "sim", "%s exists and is not a symlink; not replacing it",
			    s->link);
			return -1;
		}
		unlink(s->link);
	}
	if (symlink(s->slave_name, s->link) < 0) {
		LOG(LOG_ERROR, "sim", "symlink %s: %s", s->link, strerror(errno));
		return -1;
	}
	s->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (s->ino_fd >= 0 &&
	    inotify_add_watch(s->ino_fd, s->slave_name, IN_OPEN | IN_CLOSE) < 0) {
		close(s->ino_fd);
		s->ino_fd = -1;
	}
	if (s->ino_fd < 0)
		LOG(LOG_WARN, "sim", "no inotify on %s: client presence not tracked",
		    s->slave_name);
	sim_modem_set_connected(s->modem, s->ino_fd < 0);
	return 0;
}

/* Pull the terminal out: the client reads EOF / EIO, the link disappears. */
static void
ms_close_pty(struct ms_server *s)
{
	char target[PATH_MAX];
	ssize_t n;

	if (s->master < 0)
		return;
	n = readlink(s->link, target, sizeof(target) - 1);
	if (n > 0 && (target[n] = '\0', strcmp(target, s->slave_name) == 0))
		unlink(s->link);
	if (s->ino_fd >= 0)
		close(s->ino_fd);
	close(s->slave);
	close(s->master);
	s->ino_fd = s->slave = s->master = -1;
	s->opens = 0;
	s->slave_name[0] = '\0';
	LOG(LOG_INFO, "sim", "terminal closed, %s removed", s->link);
}

/* Carry out what the engine asks of the terminal after a control command or a tick. */
static void
ms_host_request(struct ms_server *s)
{
	enum sim_host_req r;

	while ((r = sim_modem_host_request(s->modem)) != SIM_HOST_NONE) {
		ms_close_pty(s);
		if (r == SIM_HOST_REPLUG) {
			if (ms_open_pty(s) < 0) {
				ms_close_pty(s);
				sim_modem_unplug(s->modem, 1);	/* try again in a second */
				sim_modem_host_request(s->modem);
				continue;
			}
			LOG(LOG_INFO, "sim", "modem on %s (%s) again", s->link, s->slave_name);
		}
	}
}

static int
ms_listen(struct ms_server *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(s->sock_path) >= sizeof(sa.sun_path)) {
		LOG(LOG_ERROR, "sim", "control socket path too long");
		return -1;
	}
	strcpy(sa.sun_path, s->sock_path);
	if (lstat(s->sock_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(s->sock_path);	/* stale socket of an earlier run */
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->listen_fd, 16) < 0) {
		LOG(LOG_ERROR, "sim", "control socket %s: %s", s->sock_path, strerror(errno));
		return -1;
	}
	return 0;
}

/* --- loop handlers -------------------------------------------------------------------------- */

static void
ms_pty_read(struct ms_server *s)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(s->master, buf, sizeof(buf));

		if (n > 0) {
			sim_modem_input(s->modem, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return;
	}
}

static void
ms_pty_write(struct ms_server *s)
{
	size_t len;
	const char *out;

	while ((out = sim_modem_output(s->modem, &len)) && len > 0) {
		ssize_t n = write(s->master, out, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* EAGAIN: the client is not reading; poll for POLLOUT */
		sim_modem_consume(s->modem, (size_t)n);
	}
}

/* Count the client's opens and closes of the slave device. */
static void
ms_inotify(struct ms_server *s)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(s->ino_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if (ev->mask & IN_OPEN)
				s->opens++;
			if ((ev->mask & IN_CLOSE) && s->opens > 0)
				s->opens--;
			p += sizeof(*ev) + ev->len;
		}
	}
	if (s->opens == 0 && sim_modem_connected(s->modem))
		tcflush(s->slave, TCIOFLUSH);	/* nobody will read what is left over */
	sim_modem_set_connected(s->modem, s->opens > 0);
}

static void
ms_client_close(struct ms_server *s, int i)
{
	close(s->clients[i].fd);
	free(s->clients[i].out);
	s->clients[i] = s->clients[--s->nclients];
}

static void
ms_client_queue(struct ms_client *c, const char *text)
{
	size_t len = strlen(text);
	char *p = realloc(c->out, c->out_len + len + 1);

	if (!p) {
		c->closing = true;
		return;
	}
	memcpy(p + c->out_len, text, len);
	p[c->out_len + len] = '\n';
	c->out = p;
	c->out_len += len + 1;
}

static void
ms_client_read(struct ms_server *s, struct ms_client *c)
{
	ssize_t n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
	char *nl;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		c->closing = true;
		return;
	}
	c->in_len += (size_t)n;
	while ((nl = memchr(c->in, '\n', c->in_len))) {
		char *answer;

		*nl = '\0';
		if (nl > c->in && nl[-1] == '\r')
			nl[-1] = '\0';
		if (c->in[0]) {
			LOG(LOG_DEBUG, "sim", "ctl< %s", c->in);
			answer = sim_modem_ctl(s->modem, c->in);
			ms_client_queue(c, answer ? answer
						  : "{\"ok\":false,\"error\":\"no memory\"}");
			free(answer);
			ms_host_request(s);
		}
		c->in_len -= (size_t)(nl + 1 - c->in);
		memmove(c->in, nl + 1, c->in_len);
	}
	if (c->in_len == sizeof(c->in)) {
		ms_client_queue(c, "{\"ok\":false,\"error\":\"line too long\"}");
		c->closing = true;
	}
}

static void
ms_client_write(struct ms_client *c)
{
	while (c->out_len > 0) {
		ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			c->out_len = 0;
			c->closing = true;
			return;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
}

static void
ms_accept(struct ms_server *s)
{
	int fd;

	while ((fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (s->nclients == MS_MAX_CLIENTS) {
			LOG(LOG_WARN, "sim", "too many control clients");
			close(fd);
			continue;
		}
		memset(&s->clients[s->nclients], 0, sizeof(s->clients[0]));
		s->clients[s->nclients++].fd = fd;
	}
}

/* The poll loop; returns when a termination signal arrives. */
static void
ms_run(struct ms_server *s)
{
	struct pollfd pfd[4 + MS_MAX_CLIENTS];

	for (;;) {
		size_t len;
		int n = 0, base, timeout = -1;
		int64_t due = sim_modem_next_deadline(s->modem);

		sim_modem_output(s->modem, &len);
		pfd[n++] = (struct pollfd){ .fd = s->sig_fd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = s->ino_fd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = s->master,
					    .events = POLLIN | (len ? POLLOUT : 0) };
		pfd[n++] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
		base = n;
		for (int i = 0; i < s->nclients; i++) {
			short ev = POLLIN | (s->clients[i].out_len ? POLLOUT : 0);

			pfd[n++] = (struct pollfd){ .fd = s->clients[i].fd, .events = ev };
		}
		if (due >= 0) {
			int64_t left = due - util_mono_ms();

			timeout = left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
		}
		if (poll(pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			LOG(LOG_ERROR, "sim", "poll: %s", strerror(errno));
			return;
		}
		if (pfd[0].revents) {
			struct signalfd_siginfo si;

			if (read(s->sig_fd, &si, sizeof(si)) == sizeof(si)) {
				LOG(LOG_INFO, "sim", "signal %u: exiting", si.ssi_signo);
				return;
			}
		}
		/* opens first: data from a client that just opened must find it connected */
		if (pfd[1].revents)
			ms_inotify(s);
		if (s->master >= 0 && (pfd[2].revents & (POLLIN | POLLHUP | POLLERR)))
			ms_pty_read(s);
		if (pfd[3].revents)
			ms_accept(s);
		for (int i = 0; i < s->nclients && base + i < n; i++) {
			if (pfd[base + i].revents & (POLLIN | POLLHUP | POLLERR))
				ms_client_read(s, &s->clients[i]);
		}
		for (int i = 0; i < s->nclients; i++)
			ms_client_write(&s->clients[i]);
		for (int i = s->nclients - 1; i >= 0; i--)
			if (s->clients[i].closing && s->clients[i].out_len == 0)
				ms_client_close(s, i);
		sim_modem_tick(s->modem);
		ms_host_request(s);
		if (s->master >= 0)
			ms_pty_write(s);
	}
}

/* --- main ------------------------------------------------------------------------------------- */

static int
ms_copy_opt(char *dst, size_t size, const char *val, const char *name)
{
	if (strlen(val) >= size || !*val) {
		fprintf(stderr, "loa-modemsim: bad --%s\n", name);
		return -1;
	}
	util_strlcpy(dst, val, size);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "link", required_argument, NULL, 'l' },
		{ "control", required_argument, NULL, 'c' },
		{ "record", required_argument, NULL, 'r' },
		{ "own-number", required_argument, NULL, 'n' },
		{ "operator", required_argument, NULL, 'o' },
		{ "operator-name", required_argument, NULL, 'N' },
		{ "imei", required_argument, NULL, 'e' },
		{ "imsi", required_argument, NULL, 'i' },
		{ "smsc", required_argument, NULL, 's' },
		{ "capacity", required_argument, NULL, 'C' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "log-text", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ms_server s = { .master = -1, .slave = -1, .listen_fd = -1, .sig_fd = -1,
			       .ino_fd = -1 };
	struct sim_config cfg;
	const char *record_path = NULL;
	int level = LOG_INFO, c, rc = 1;
	bool json_log = true;
	FILE *record = NULL;
	sigset_t mask;

	if (argc >= 2 && strcmp(argv[1], "ctl") == 0) {
		if (argc != 4) {
			ms_usage(stderr);
			return 2;
		}
		return ms_ctl(argv[2], argv[3]);
	}
	if (argc >= 2 && strcmp(argv[1], "inject") == 0) {
		if (argc != 5) {
			ms_usage(stderr);
			return 2;
		}
		return ms_inject(argv[2], argv[3], argv[4]);
	}

	sim_config_default(&cfg);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'l':
			s.link = optarg;
			break;
		case 'c':
			s.sock_path = optarg;
			break;
		case 'r':
			record_path = optarg;
			break;
		case 'n':
			bad = ms_copy_opt(cfg.own_number, sizeof(cfg.own_number), optarg,
					  "own-number");
			break;
		case 'o':
			bad = ms_copy_opt(cfg.operator_num, sizeof(cfg.operator_num), optarg,
					  "operator");
			break;
		case 'N':
			bad = ms_copy_opt(cfg.operator_name, sizeof(cfg.operator_name), optarg,
					  "operator-name");
			break;
		case 'e':
			bad = ms_copy_opt(cfg.imei, sizeof(cfg.imei), optarg, "imei");
			break;
		case 'i':
			bad = ms_copy_opt(cfg.imsi, sizeof(cfg.imsi), optarg, "imsi");
			break;
		case 's':
			bad = ms_copy_opt(cfg.smsc, sizeof(cfg.smsc), optarg, "smsc");
			break;
		case 'C':
			cfg.capacity = atoi(optarg);
			bad = cfg.capacity < 1 || cfg.capacity > SIM_MAX_CAPACITY;
			if (bad)
				fprintf(stderr, "loa-modemsim: --capacity is 1..%d\n",
					SIM_MAX_CAPACITY);
			break;
		case 'L':
			level = log_level_parse(optarg);
			bad = level < 0;
			if (bad)
				fprintf(stderr, "loa-modemsim: unknown log level %s\n", optarg);
			break;
		case 'T':
			json_log = false;
			break;
		case 'h':
			ms_usage(stdout);
			return 0;
		default:
			bad = 1;
		}
		if (bad) {
			ms_usage(stderr);
			return 2;
		}
	}
	if (!s.link || !s.sock_path || !record_path || optind != argc) {
		ms_usage(stderr);
		return 2;
	}
	log_init("loa-modemsim", (enum log_level)level, json_log, true);

	record = fopen(record_path, "ae");
	if (!record) {
		LOG(LOG_ERROR, "sim", "record %s: %s", record_path, strerror(errno));
		return 1;
	}
	s.modem = sim_modem_new(&cfg, record);
	if (!s.modem)
		goto out;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	s.sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s.sig_fd < 0) {
		LOG(LOG_ERROR, "sim", "signalfd: %s", strerror(errno));
		goto out;
	}
	if (ms_listen(&s) < 0 || ms_open_pty(&s) < 0)
		goto out;
	LOG(LOG_INFO, "sim", "modem on %s (%s), control %s, %d SIM slots", s.link, s.slave_name,
	    s.sock_path, cfg.capacity);
	ms_run(&s);
	rc = 0;
out:
	if (s.link && s.slave_name[0]) {
		char target[PATH_MAX];
		ssize_t n = readlink(s.link, target, sizeof(target) - 1);

		/* remove the link only while it is still ours */
		if (n > 0 && (target[n] = '\0', strcmp(target, s.slave_name) == 0))
			unlink(s.link);
	}
	if (s.listen_fd >= 0) {
		close(s.listen_fd);
		unlink(s.sock_path);
	}
	while (s.nclients > 0)
		ms_client_close(&s, s.nclients - 1);
	if (s.ino_fd >= 0)
		close(s.ino_fd);
	if (s.sig_fd >= 0)
		close(s.sig_fd);
	if (s.slave >= 0)
		close(s.slave);
	if (s.master >= 0)
		close(s.master);
	sim_modem_free(s.modem);
	fclose(record);
	return rc;
}
