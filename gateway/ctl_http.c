/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_http — one blocking HTTP call for loactl, with libcurl's easy interface.
 *
 * A call sends the bearer token (never on a redirect: redirects are not followed), JSON content
 * headers and an optional body, waits at most the configured time for the whole exchange, and
 * keeps the answer's status and body. Transport failures are folded into a few errnos so that
 * loactl can choose its exit code; libcurl's own words go to r->error.
 *
 * Only http and https are allowed. A proxy from the environment (http_proxy, ...) is honoured
 * except for loopback addresses, where the daemon lives by default: an admin's corporate proxy
 * must not see the token of a local gateway.
 *
 * Thread: loactl's only thread. See ctl.h.
 */
#define _GNU_SOURCE /* asprintf */
#include "gateway/ctl.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ctl_http_buf {
	struct ctl_buf b;
	bool too_big;
};

int
ctl_http_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -ENOMEM;
}

void
ctl_http_cleanup(void)
{
	curl_global_cleanup();
}

void
ctl_reply_free(struct ctl_reply *r)
{
	if (!r)
		return;
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

/* libcurl write callback: append to the buffer; returning less than asked aborts the call. */
static size_t
ctl_http_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct ctl_http_buf *b = arg;
	size_t n = size * nmemb;

	if (n > CTL_HTTP_MAX_BODY - b->b.len) {
		b->too_big = true;
		return 0;
	}
	return ctl_buf_put(&b->b, ptr, n) == 0 ? n : 0;
}

/* The NOPROXY list: the environment's, plus the loopback names. Caller frees. */
static char *
ctl_http_noproxy(void)
{
	static const char loopback[] = "localhost,127.0.0.1,::1";
	const char *env = getenv("NO_PROXY");
	char *s;

	if (!env || !*env)
		env = getenv("no_proxy");
	if (!env || !*env)
		return strdup(loopback);
	if (asprintf(&s, "%s,%s", env, loopback) < 0)
		return NULL;
	return s;
}

/* Fold a libcurl failure into an errno for the caller. */
static int
ctl_http_errno(CURLcode rc, const struct ctl_http_buf *b)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return -EINVAL;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_WRITE_ERROR:
		return b->too_big ? -EFBIG : -ENOMEM;
	default:
		return -ECONNREFUSED;
	}
}

int
ctl_http_call(const struct ctl_http *h, const char *method, const char *path, const char *body,
	      struct ctl_reply *r)
{
	struct ctl_http_buf buf = { 0 };
	struct curl_slist *hdrs = NULL, *tmp;
	char errbuf[CURL_ERROR_SIZE] = "";
	char *url = NULL, *auth = NULL, *noproxy = NULL;
	CURL *c = NULL;
	CURLcode rc;
	int ret = -ENOMEM;

	memset(r, 0, sizeof(*r));
	if (asprintf(&url, "%s%s", h->base_url, path) < 0) {
		url = NULL;
		goto out;
	}
	noproxy = ctl_http_noproxy();
	c = curl_easy_init();
	if (!c || !noproxy)
		goto out;

	hdrs = curl_slist_append(NULL, "Accept: application/json");
	if (!hdrs)
		goto out;
	if (body) {
		tmp = curl_slist_append(hdrs, "Content-Type: application/json");
		if (!tmp)
			goto out;
		/* no "Expect: 100-continue" round trip for big bodies */
		hdrs = curl_slist_append(tmp, "Expect:");
		if (!hdrs) {
			hdrs = tmp;
			goto out;
		}
	}
	if (h->token) {
		if (asprintf(&auth, "Authorization: Bearer %s", h->token) < 0) {
			auth = NULL;
			goto out;
		}
		tmp = curl_slist_append(hdrs, auth);
		if (!tmp)
			goto out;
		hdrs = tmp;
	}

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOPROXY, noproxy);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "loactl/1");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ctl_http_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &buf);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);

	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		ret = ctl_http_errno(rc, &buf);
		if (buf.too_big)
			snprintf(r->error, sizeof(r->error), "answer larger than %u bytes",
				 CTL_HTTP_MAX_BODY);
		else
			snprintf(r->error, sizeof(r->error), "%s",
				 *errbuf ? errbuf : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if (!buf.b.s) {
		buf.b.s = strdup("");
		if (!buf.b.s)
			goto out;
	}
	r->body = buf.b.s;
	r->len = buf.b.len;
	buf.b.s = NULL;
	ret = 0;
out:
	if (ret == -ENOMEM && !*r->error)
		snprintf(r->error, sizeof(r->error), "out of memory");
	free(buf.b.s);
	curl_slist_free_all(hdrs);
	if (c)
		curl_easy_cleanup(c);
	if (auth) {
		/* the token should not linger in freed memory */
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	free(noproxy);
	free(url);
	return ret;
}
