/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ussd_menu — the citizens' USSD menu engine. One call turns one aggregator callback
 * (sessionId, serviceCode, phoneNumber, text = the choices so far joined by '*') into the
 * answer to send ("CON <screen>" to continue, "END <screen>" to finish) and, when a leaf of
 * the menu is reached, the intake action the gateway performs through the same code path as
 * the SMS keywords (report, optout, optin, help).
 *
 * The menu tree is conf's `ussd` group (struct conf_ussd, documented in conf/loa.conf.example).
 *
 * Contract:
 *   - The engine is pure: no I/O, no store, no event loop, no logging; the caller passes the
 *     time. The gateway logs (masking the phone number) and performs the actions.
 *   - The position in the menu is replayed from `text` at every step, so a restarted gateway
 *     continues a session where it was. A small table of sessions (id -> phone, started,
 *     last seen, final screen) bounded by cfg->max_sessions adds what `text` cannot tell:
 *     idle expiry, a session id reused by another number, and replays of a finished session.
 *   - A free-text answer consumes the rest of `text`, '*' included, so an input is always
 *     the last step before END (conf_load() enforces the shapes this needs).
 *   - Every screen, prefix included, has at most cfg->max_screen_chars code points; a
 *     multibyte character is never cut.
 *
 * Thread: a struct ussd_menu belongs to one thread (the gateway's main thread); no locking.
 */
#ifndef LOA_GATEWAY_USSD_MENU_H
#define LOA_GATEWAY_USSD_MENU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

#define USSD_MENU_SCREEN_SIZE (4 * CONF_USSD_SCREEN_CHARS_MAX + 1) /* bytes, NUL included */
#define USSD_MENU_TEXT_SIZE 1024      /* report_text bytes, NUL included (longer is cut) */
#define USSD_MENU_CATEGORY_SIZE CONF_NAME_MAX
#define USSD_MENU_SESSION_ID_MAX 127  /* longest sessionId accepted, in bytes */
#define USSD_MENU_PHONE_MAX 31        /* longest phoneNumber accepted, in bytes */

enum ussd_menu_action {
	USSD_MENU_NONE,   /* nothing to do: send the screen (also for a "reply" leaf) */
	USSD_MENU_REPORT, /* file a report (category, report_text); expand {ticket} in screen */
	USSD_MENU_OPTOUT, /* stop broadcasts to the number */
	USSD_MENU_OPTIN,  /* receive broadcasts again */
	USSD_MENU_HELP,   /* the help leaf: nothing to store, the screen is the help text */
	_USSD_MENU_ACTION_COUNT
};

struct ussd_menu_step {
	bool end;                      /* screen starts "END ": the session is over */
	bool replayed;                 /* a finished session again: its last screen, no action */
	enum ussd_menu_action action;  /* what the gateway must do before sending screen */
	char category[USSD_MENU_CATEGORY_SIZE]; /* REPORT: the branch's category, or "" */
	char report_text[USSD_MENU_TEXT_SIZE];  /* REPORT: the citizen's text (trimmed) */
	char screen[USSD_MENU_SCREEN_SIZE];     /* the whole answer: "CON …" or "END …" */
};

struct ussd_menu;

/*
 * A menu engine for `cfg`, which is borrowed: it must stay alive and unchanged until
 * ussd_menu_free() (on reload, make a new engine from the new configuration; sessions carry
 * on from their text). Allocates the session table (cfg->max_sessions entries) up front.
 * Returns NULL when out of memory or when cfg is not one conf_load() accepts (e.g. a page with
 * no room for text). Main thread.
 */
struct ussd_menu *ussd_menu_new(const struct conf_ussd *cfg);

/* Free the engine and its sessions. NULL is fine. */
void ussd_menu_free(struct ussd_menu *m);

/*
 * One aggregator callback. `text` is the whole history ("" or NULL on the first dial);
 * `service_code` the code dialled (NULL or "" skips the check; with cfg->service_code "*123#",
 * "*123*1*2#" starts as if "1*2" had been typed first); `phone` the caller's number, compared
 * as given (pass it normalised). now_ms is any clock in milliseconds, the same one every call.
 *
 * Parsing `text` (each '*'-separated token trimmed of spaces):
 *   - in a menu, a token equal to an option key chooses it; "0" goes back one level, "00" to
 *     the main menu; anything else (also "" and "0" in the main menu) re-shows the same menu
 *     under invalid_text, and the session goes on;
 *   - in pages, "1" is the next page, "0" the previous one (from the first page: back to the
 *     menu), "00" the main menu; anything else re-shows the page with invalid_text on top;
 *   - in an input, a token "0" or "00" navigates as above; otherwise the input takes the
 *     whole rest of text, '*' included, less leading '*' and white space (left by earlier empty
 *     answers) and trailing white space. Nothing left re-shows the prompt under empty_text.
 *     Something left ends the session with the input's action.
 *
 * Always fills *step. Returns 0 for a screen of the menu: a CON screen, or an END screen with
 * step->action to perform (NONE also when the session expired: expired_text, or when
 * step->replayed). Returns a negative errno when the request is refused, with step an END
 * screen of error_text to send all the same (aggregators expect HTTP 200 and END):
 *   -EINVAL  session_id or phone empty or too long, or text not valid UTF-8;
 *   -ENOENT  service_code is not cfg->service_code;
 *   -EPERM   session_id is in use by another phone number (that session is not disturbed);
 *   -ENOMEM  out of memory.
 * Main thread.
 */
int ussd_menu_step(struct ussd_menu *m, const char *session_id, const char *service_code,
		   const char *phone, const char *text, int64_t now_ms,
		   struct ussd_menu_step *step);

/*
 * After the gateway performed step->action: expand "{ticket}" in step->screen to `ticket`
 * (NULL or "" removes it), and remember the result as the session's last screen, which a
 * repeated request then gets back (step->replayed) without the action running twice.
 * Returns 0, -ENOENT when the session is no longer remembered (screen expanded anyway), or
 * -ENOMEM (screen expanded, not remembered).
 * Main thread.
 */
int ussd_menu_complete(struct ussd_menu *m, const char *session_id, const char *ticket,
		       struct ussd_menu_step *step);

/*
 * The gateway could not perform step->action (e.g. the store failed): forget the session, so
 * a retry of the same request runs the action again, and make step an END screen of
 * error_text with no action. Main thread.
 */
void ussd_menu_fail(struct ussd_menu *m, const char *session_id, struct ussd_menu_step *step);

/* Sessions remembered now (finished and expired ones included until evicted). */
size_t ussd_menu_sessions(const struct ussd_menu *m);

/* "none", "report", "optout", "optin", "help"; "?" when out of range. Any thread. */
const char *ussd_menu_action_name(enum ussd_menu_action a);

#endif
