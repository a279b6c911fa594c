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
gw_expand_template(const char *tpl, const char *ticket, char *out, size_t outlen)
{
	size_t o = 0;

	for (const char *p = tpl; *p && o + 1 < outlen; p++) {
		if (strncmp(p, "{ticket}", 8) == 0) {
			o += util_strlcpy(out + o, ticket ? ticket : "", outlen - o);
			if (o >= outlen)
				o = outlen - 1;
			p += 7;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	return out;
}

int
gw_inbound_init(struct gw *gw)
{
	const struct loa_conf *c = gw->conf;
	size_t n = 0;

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

/* Queue an answer to `to` inside the open transaction. */
static int
gw_inbound_reply(struct gw *gw, const char *to, const char *text, int64_t now)
{
	struct modem_sms_plan plan;
	int64_t id;
	int rc = modem_sms_plan(text, strlen(text), &plan);

	if (rc < 0)
		return rc;
	return queue_reply_enqueue(gw->q, to, text, modem_sms_encoding_name(plan.encoding),
				   plan.segments, now, &id);
}

void
gw_inbound_handle(struct gw *gw, struct modem *m, const struct modem_inbound *in)
{
	const struct loa_conf *c = gw->conf;
	char sender[QUEUE_NUMBER_MAX], masked[LOG_MASK_LEN], ticket[QUEUE_TICKET_LEN] = "";
	char reply[1024];
	const char *why = NULL;
	int64_t now = util_now_ms(), inbound_id = 0, report_id;
	bool answerable;
	int rc;

	/* A phone number we can answer, or a name/short code we only store. */
	answerable = gw_text_number_normalize(in->from, c->country_code, sender, &why) == 0;
	if (!answerable)
		util_strlcpy(sender, in->from, sizeof(sender));

	struct queue_inbound qi = {
		.modem = modem_name(m),
		.sender = sender,
		.smsc_time_ms = in->smsc_time_ms,
		.concat_ref = in->concat_ref,
		.part = in->part > 0 ? in->part : 1,
		.parts = in->parts > 0 ? in->parts : 1,
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

	char category[8];
	const struct conf_rule *rule = gw_inbound_match(gw, in->text, category);
	enum conf_action action = rule ? rule->action : c->unknown_action;
	const char *tpl = rule ? rule->reply : c->unknown_reply;
	int was_out;

	switch (action) {
	case CONF_ACTION_REPORT:
		rc = queue_report_create(gw->q, inbound_id, sender, in->text, now, ticket,
					 &report_id);
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
		goto fail;
	if (tpl && *tpl && answerable) {
		gw_expand_template(tpl, ticket, reply, sizeof(reply));
		rc = gw_inbound_reply(gw, sender, reply, now);
		if (rc < 0)
			goto fail;
	}
	rc = queue_inbound_set_action(gw->q, inbound_id, conf_action_name(action));
	if (rc < 0)
		goto fail;
	rc = queue_commit(gw->q);
	if (rc < 0)
		goto fail;

	if ((unsigned)action < sizeof(gw->metrics.inbound) / sizeof(gw->metrics.inbound[0]))
		gw->metrics.inbound[action]++;
	LOG(LOG_INFO, "inbound", "SMS #%lld from %s via %s: %s%s%s%s", (long long)inbound_id,
	    log_mask(sender, masked), modem_name(m), conf_action_name(action),
	    ticket[0] ? " ticket " : "", ticket, answerable ? "" : " (sender not answerable)");
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
