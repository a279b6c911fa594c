/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * inbound — what happens to a citizen's SMS: stored, understood, answered, then deleted from
 * the SIM.
 *
 * DESIGN
 * One store transaction files the SMS, does what its keyword asks (a false-information report
 * with a ticket, an opt-out or opt-in) and queues the answer; only after it commits is the modem
 * told to delete the SMS. A crash before the commit leaves the SMS on the SIM to be read again;
 * a crash after it leaves a stored SMS that, read again, is recognised as a duplicate and only
 * deleted. The keyword is the first word, compared without case or Vietnamese diacritics
 * ("Báo" = "BAO"). Senders that are not phone numbers (operator service names, short codes)
 * are stored but never answered, so two machines cannot answer each other forever.
 */
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "conf/conf.h"
#include "gateway/gw.h"
#include "gateway/gw_text.h"
#include "modem/modem.h"
#include "modem/sms.h"
#include "queue/queue.h"

char *
gw_expand_template(const char *tpl, const char *ticket, const char *name, char *out,
		    size_t outlen)
{
	size_t o = 0;

	for (const char *p = tpl; *p && o + 1 < outlen; p++) {
		if (strncmp(p, "{ticket}", 8) == 0 || strncmp(p, "{name}", 6) == 0) {
			bool is_ticket = p[1] == 't';
			const char *v = is_ticket ? ticket : name;
			o += util_strlcpy(out + o, v ? v : "", outlen - o);
			if (o >= outlen)
				o = outlen - 1;
			p += is_ticket ? 7 : 5;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	return out;
}

static void gw_inbound_timeout_cb(evutil_socket_t fd, short what, void *arg);

int
gw_inbound_init(struct gw *gw)
{
	const struct loa_conf *c = gw->conf;
	size_t n = 0;

	gw->inbound_ev = evtimer_new(gw->base, gw_inbound_timeout_cb, gw);
	if (!gw->inbound_ev)
		return -ENOMEM;

	for (size_t r = 0; r < c->n_rules; r++)
		n += c->rules[r].n_keywords;
	gw->keywords = calloc(n ? n : 1, sizeof(*gw->keywords));
	if (!gw->keywords)
		return -ENOMEM;
	for (size_t r = 0; r < c->n_rules; r++) {
		for (size_t k = 0; k < c->rules[r].n_keywords; k++) {
			char folded[128];
			if (gw_text_fold(c->rules[r].keywords[k], folded, sizeof(folded)) < 0)
				return -EINVAL;
			gw->keywords[gw->n_keywords].folded = strdup(folded);
			gw->keywords[gw->n_keywords].rule = r;
			if (!gw->keywords[gw->n_keywords].folded)
				return -ENOMEM;
			gw->n_keywords++;
		}
	}
	return 0;
}

void
gw_inbound_free(struct gw *gw)
{
	if (gw->inbound_ev)
		event_free(gw->inbound_ev);
	gw->inbound_ev = NULL;
	for (size_t i = 0; i < gw->n_keywords; i++)
		free(gw->keywords[i].folded);
	free(gw->keywords);
	gw->keywords = NULL;
	gw->n_keywords = 0;
}

static const struct conf_rule *
gw_inbound_lookup(struct gw *gw, const char *word)
{
	for (size_t i = 0; i < gw->n_keywords; i++)
		if (strcmp(gw->keywords[i].folded, word) == 0)
			return &gw->conf->rules[gw->keywords[i].rule];
	return NULL;
}

/*
 * Join a run of one-letter words at the start of the folded text ("B A O TIN" -> "BAO"), as
 * people type on keypads that insert spaces. Returns how many words were joined (0 if none).
 */
static int
gw_inbound_spelled(const char *folded, char *out, size_t outlen)
{
	size_t o = 0;
	int words = 0;
	const char *p = folded;

	while (*p == ' ' || *p == '.' || *p == '-' || *p == ',')
		p++;
	while (*p && p[0] != ' ' && (p[1] == ' ' || p[1] == '\0') && o + 1 < outlen &&
	       ((p[0] >= 'A' && p[0] <= 'Z'))) {
		out[o++] = *p;
		words++;
		p += p[1] ? 2 : 1;
		while (*p == ' ')
			p++;
	}
	out[o] = '\0';
	return words >= 2 ? words : 0;
}

/*
 * Find the rule for a citizen's text: its first word (no case, no diacritics), else the first
 * letters spelled out with spaces. *category gets a 1-2 digit category code typed right after a
 * report keyword ("BAO 2 ..."), else "".
 */
static const struct conf_rule *
gw_inbound_match(struct gw *gw, const char *text, char category[8])
{
	char word[64], folded[160];
	const char *rest = text;
	const struct conf_rule *rule = NULL;

	category[0] = '\0';
	if (gw_text_first_word(text, word, sizeof(word), &rest) > 0)
		rule = gw_inbound_lookup(gw, word);
	if (!rule) {
		char head[160];
		util_strlcpy(head, text, sizeof(head)); /* the keyword is near the start */
		size_t hl = strlen(head);
		while (hl > 0 && ((unsigned char)head[hl - 1] & 0xC0) == 0x80)
			head[--hl] = '\0'; /* do not cut a UTF-8 sequence */
		if (hl > 0 && ((unsigned char)head[hl - 1] & 0x80))
			head[--hl] = '\0';
		if (gw_text_fold(head, folded, sizeof(folded)) >= 0 &&
		    gw_inbound_spelled(folded, word, sizeof(word)) > 0)
			rule = gw_inbound_lookup(gw, word);
		rest = NULL;
	}
	if (rule && rule->action == CONF_ACTION_REPORT && rest) {
		size_t d = strspn(rest, "0123456789");
		if (d >= 1 && d <= 2 && (rest[d] == '\0' || strchr(" .:,-", rest[d]))) {
			memcpy(category, rest, d);
			category[d] = '\0';
		}
	}
	return rule;
}

/* Queue an answer to `to` inside the open transaction, unless the number already had
 * max_replies_per_hour answers in the last hour (reply loops and floods stop here). */
static int
gw_inbound_reply(struct gw *gw, const char *to, const char *text, int64_t now)
{
	struct modem_sms_plan plan;
	int64_t id, recent = 0;
	char masked[LOG_MASK_LEN];
	int rc = queue_replies_since(gw->q, to, now - 3600 * 1000, &recent);

	if (rc < 0)
		return rc;
	if (recent >= gw->conf->max_replies_per_hour) {
		LOG(LOG_NOTICE, "inbound", "no answer to %s: %lld answers in the last hour already",
		    log_mask(to, masked), (long long)recent);
		return 0;
	}
	rc = modem_sms_plan(text, strlen(text), &plan);
	if (rc < 0)
		return rc;
	const struct conf_operator *op = conf_operator_match(gw->conf, to);
	return queue_reply_enqueue2(gw->q, to, op ? op->name : NULL, text,
				    modem_sms_encoding_name(plan.encoding), plan.segments, now, &id);
}

/* A vote for an open poll sent to this number: 1 when the text was a vote (handled). */
static int
gw_inbound_vote(struct gw *gw, const char *sender, const char *text, int64_t now, char *answer,
		size_t answerlen)
{
	char word[32], answers[QUEUE_POLL_ANSWERS_MAX][QUEUE_ANSWER_MAX];
	const char *rest;
	size_t n = 0;
	int64_t cid;

	if (gw_text_first_word(text, word, sizeof(word), &rest) <= 0)
		return 0;
	int rc = queue_poll_for(gw->q, sender, now, &cid, answers, &n);
	if (rc <= 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(answers[i], word) != 0)
			continue;
		rc = queue_poll_vote(gw->q, cid, sender, word, now);
		if (rc < 0)
			return rc == -ESTALE ? 0 : rc;
		util_strlcpy(answer, word, answerlen);
		return 1;
	}
	return 0;
}

/*
 * Act on a citizen's whole message (one SMS, or the parts of one joined) inside the open
 * transaction: a poll vote, else the keyword's action and answer. *action_out gets what was
 * done; *ticket the report's ticket.
 */
static int
gw_inbound_act(struct gw *gw, struct modem *m, const char *sender, bool answerable,
	       const char *text, int64_t inbound_id, int64_t now, enum conf_action *action_out,
	       char ticket[QUEUE_TICKET_LEN], bool *voted)
{
	const struct loa_conf *c = gw->conf;
	char reply[1024], category[8], answer[QUEUE_ANSWER_MAX];
	int64_t report_id;
	int rc, was_out;

	*voted = false;
	if (answerable) {
		rc = gw_inbound_vote(gw, sender, text, now, answer, sizeof(answer));
		if (rc < 0)
			return rc;
		if (rc == 1) {
			*voted = true;
			*action_out = CONF_ACTION_NONE;
			return c->poll_reply && *c->poll_reply ? gw_inbound_reply(gw, sender, c->poll_reply, now) : 0;
		}
	}
	const struct conf_rule *rule = gw_inbound_match(gw, text, category);
	enum conf_action action = rule ? rule->action : c->unknown_action;
	const char *tpl = rule ? rule->reply : c->unknown_reply;

	switch (action) {
	case CONF_ACTION_REPORT:
		rc = queue_report_create2(gw->q, inbound_id, sender, text,
					  category[0] ? category : NULL, m ? modem_name(m) : NULL, now,
					  ticket, &report_id);
		break;
	case CONF_ACTION_OPTOUT:
	case CONF_ACTION_OPTIN:
		if (!answerable) {
			rc = 0;
			break;
		}
		/* takes effect at once; confirmed by SMS only when it changes something */
		was_out = queue_is_opted_out(gw->q, sender);
		rc = was_out < 0 ? was_out
				 : queue_optout_set(gw->q, sender, action == CONF_ACTION_OPTOUT, now);
		if (was_out == (action == CONF_ACTION_OPTOUT))
			tpl = NULL;
		break;
	default:
		rc = 0;
		break;
	}
	if (rc < 0)
		return rc;
	*action_out = action;
	if (tpl && *tpl && answerable) {
		struct queue_contact_row contact;
		const char *name = NULL;
		if (strstr(tpl, "{name}") && queue_contact_get(gw->q, sender, &contact) == 0)
			name = contact.name;
		gw_expand_template(tpl, ticket, name, reply, sizeof(reply));
		/* "Chao , ..." when the name is unknown: drop the space before a comma */
		for (char *p = strstr(reply, " ,"); p; p = strstr(p, " ,"))
			memmove(p, p + 1, strlen(p));
		rc = gw_inbound_reply(gw, sender, reply, now);
	}
	return rc;
}

struct gw_parts {
	int expected, got;
	int64_t first_id;
	char *text[256];
};

static int
gw_parts_cb(int part, const char *text, int64_t id, void *arg)
{
	struct gw_parts *p = arg;

	if (part < 1 || part > 255 || p->text[part])
		return 0;
	p->text[part] = strdup(text);
	if (!p->first_id || id < p->first_id)
		p->first_id = id;
	p->got++;
	return 0;
}

static char *
gw_parts_join(struct gw_parts *p)
{
	size_t len = 1;

	for (int i = 1; i <= p->expected && i < 256; i++)
		len += p->text[i] ? strlen(p->text[i]) : 3;
	char *out = malloc(len);
	if (!out)
		return NULL;
	out[0] = '\0';
	for (int i = 1; i <= p->expected && i < 256; i++)
		strcat(out, p->text[i] ? p->text[i] : "\u2026"); /* "…" marks a missing part */
	return out;
}

static void
gw_parts_free(struct gw_parts *p)
{
	for (int i = 0; i < 256; i++)
		free(p->text[i]);
}

/*
 * Route a concatenated message from `sender` whose parts are stored: when complete (or when
 * `force`, after the reassembly timeout) join the parts in order and act on the whole. Inside
 * the open transaction. Returns 1 when routed, 0 when still waiting for parts.
 */
static int
gw_inbound_route_parts(struct gw *gw, struct modem *m, const char *sender, bool answerable,
		       int ref, int parts, bool force, int64_t now, enum conf_action *action,
		       char ticket[QUEUE_TICKET_LEN], bool *voted)
{
	struct gw_parts p = { .expected = parts };
	int rc = queue_inbound_parts(gw->q, sender, ref, parts,
				     now - (int64_t)gw->conf->reassembly_timeout_s * 2000, gw_parts_cb,
				     &p);
	if (rc < 0 || (p.got < parts && !force) || p.got == 0) {
		gw_parts_free(&p);
		return rc < 0 ? rc : 0;
	}
	char *text = gw_parts_join(&p);
	rc = text ? gw_inbound_act(gw, m, sender, answerable, text, p.first_id, now, action, ticket,
				   voted)
		  : -ENOMEM;
	if (rc >= 0)
		rc = queue_inbound_set_action_group(gw->q, sender, ref, parts,
						    *voted ? "vote" : conf_action_name(*action),
						    p.first_id);
	free(text);
	gw_parts_free(&p);
	return rc < 0 ? rc : 1;
}

static void
gw_inbound_log(struct gw *gw, struct modem *m, const char *sender, int64_t id, int parts,
	       enum conf_action action, bool voted, const char *ticket, bool answerable)
{
	char masked[LOG_MASK_LEN];

	if (!voted && (unsigned)action < sizeof(gw->metrics.inbound) / sizeof(gw->metrics.inbound[0]))
		gw->metrics.inbound[action]++;
	LOG(LOG_INFO, "inbound", "SMS #%lld from %s via %s%s%s: %s%s%s%s", (long long)id,
	    log_mask(sender, masked), m ? modem_name(m) : "-", parts > 1 ? ", parts joined: " : "",
	    parts > 1 ? "yes" : "", voted ? "vote" : conf_action_name(action),
	    ticket[0] ? " ticket " : "", ticket, answerable ? "" : " (sender not answerable)");
}

void
gw_inbound_handle(struct gw *gw, struct modem *m, const struct modem_inbound *in)
{
	const struct loa_conf *c = gw->conf;
	char sender[QUEUE_NUMBER_MAX], masked[LOG_MASK_LEN], ticket[QUEUE_TICKET_LEN] = "";
	const char *why = NULL;
	int64_t now = util_now_ms(), inbound_id = 0;
	enum conf_action action = CONF_ACTION_NONE;
	bool answerable, voted = false, multipart = in->parts > 1 && in->concat_ref >= 0;
	int rc;

	/* A phone number we can answer, or a name/short code we only store. */
	answerable = gw_text_number_normalize(in->from, c->country_code, sender, &why) == 0;
	if (!answerable)
		util_strlcpy(sender, in->from, sizeof(sender));

	struct queue_inbound qi = {
		.modem = modem_name(m),
		.sender = sender,
		.smsc_time_ms = in->smsc_time_ms,
		.concat_ref = multipart ? in->concat_ref : -1,
		.part = multipart ? in->part : 1,
		.parts = multipart ? in->parts : 1,
		.text = in->text,
		.received_at_ms = now,
	};
	rc = queue_begin(gw->q);
	if (rc < 0)
		goto fail;
	rc = queue_inbound_store(gw->q, &qi, &inbound_id);
	if (rc < 0)
		goto fail;
	if (rc == 1) {
		/* Read again after a restart: already filed, only delete it from the SIM. */
		queue_commit(gw->q);
		LOG(LOG_INFO, "inbound", "SMS from %s via %s already stored (#%lld)",
		    log_mask(sender, masked), modem_name(m), (long long)inbound_id);
		modem_ack_inbound(m, in->loc, in->folder);
		return;
	}
	if (multipart) {
		rc = gw_inbound_route_parts(gw, m, sender, answerable, in->concat_ref, in->parts,
					    false, now, &action, ticket, &voted);
		if (rc < 0)
			goto fail;
		if (rc == 0) { /* stored; waiting for the other parts */
			rc = queue_commit(gw->q);
			if (rc < 0)
				goto fail;
			LOG(LOG_INFO, "inbound", "SMS #%lld from %s via %s: part %d/%d stored",
			    (long long)inbound_id, log_mask(sender, masked), modem_name(m), in->part,
			    in->parts);
			modem_ack_inbound(m, in->loc, in->folder);
			gw_inbound_schedule(gw);
			return;
		}
	} else {
		rc = gw_inbound_act(gw, m, sender, answerable, in->text, inbound_id, now, &action,
				    ticket, &voted);
		if (rc < 0)
			goto fail;
		rc = queue_inbound_set_action(gw->q, inbound_id,
					      voted ? "vote" : conf_action_name(action));
		if (rc < 0)
			goto fail;
	}
	rc = queue_commit(gw->q);
	if (rc < 0)
		goto fail;
	gw_inbound_log(gw, m, sender, inbound_id, qi.parts, action, voted, ticket, answerable);
	modem_ack_inbound(m, in->loc, in->folder);
	gw_dispatch_kick(gw);
	return;
fail:
	queue_rollback(gw->q);
	/* Not acknowledged: the SMS stays on the SIM and is reported again at the next scan. */
	LOG(LOG_ERROR, "inbound", "SMS from %s via %s not stored: %s; left on the SIM",
	    log_mask(sender, masked), modem_name(m), strerror(-rc));
	modem_release_inbound(m, in->loc, in->folder);
}

/* Route multipart messages whose missing parts did not come within the timeout, as they are. */
struct gw_incomplete {
	struct gw *gw;
	int routed, failed;
};

static int
gw_incomplete_cb(const char *sender, int ref, int parts, int64_t first_ms, void *arg)
{
	struct gw_incomplete *x = arg;
	struct gw *gw = x->gw;
	char e164[QUEUE_NUMBER_MAX], ticket[QUEUE_TICKET_LEN] = "";
	const char *why;
	enum conf_action action = CONF_ACTION_NONE;
	bool voted = false;
	bool answerable = gw_text_number_normalize(sender, gw->conf->country_code, e164, &why) == 0;
	int64_t now = util_now_ms();

	if (queue_begin(gw->q) < 0) {
		x->failed++;
		return 1;
	}
	int rc = gw_inbound_route_parts(gw, NULL, sender, answerable, ref, parts, true, now, &action,
					ticket, &voted);
	if (rc > 0 && queue_commit(gw->q) == 0) {
		x->routed++;
		gw_inbound_log(gw, NULL, sender, 0, parts, action, voted, ticket, answerable);
	} else {
		queue_rollback(gw->q);
		x->failed++;
	}
	return 0;
}

static void
gw_inbound_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw *gw = arg;
	struct gw_incomplete x = { .gw = gw };
	int64_t now = util_now_ms();

	int rc = queue_inbound_incomplete(gw->q, now - (int64_t)gw->conf->reassembly_timeout_s * 1000,
					  gw_incomplete_cb, &x);
	if (rc < 0 || x.failed)
		LOG(LOG_ERROR, "inbound", "incomplete multipart SMS: %d routed, %d could not be",
		    x.routed, x.failed);
	else if (x.routed)
		LOG(LOG_NOTICE, "inbound", "%d multipart SMS routed with parts missing after %d s",
		    x.routed, gw->conf->reassembly_timeout_s);
	if (x.routed)
		gw_dispatch_kick(gw);
	gw_inbound_schedule(gw);
}

void
gw_inbound_schedule(struct gw *gw)
{
	/* look again a little after the oldest waiting part can time out; simple and bounded */
	struct timeval tv = { .tv_sec = gw->conf->reassembly_timeout_s / 4 + 1 };

	if (gw->inbound_ev && !evtimer_pending(gw->inbound_ev, NULL))
		evtimer_add(gw->inbound_ev, &tv);
}
