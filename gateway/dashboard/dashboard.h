/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dashboard — the admin/official dashboard page, gateway/dashboard/index.html, embedded into
 * loagw by scripts/embed.sh (generated file $(BUILD)/gen/dashboard_html.c).
 */
#ifndef LOA_GATEWAY_DASHBOARD_H
#define LOA_GATEWAY_DASHBOARD_H

#include <stddef.h>

/* The page's bytes (UTF-8 HTML, not NUL-terminated) and their count. */
extern const unsigned char gw_dashboard_html[];
extern const size_t gw_dashboard_html_len;

/*
 * Value of the Content-Security-Policy header to send with the page: it allows exactly the
 * page's inline <style> and <script> blocks by their SHA-256, and fetches to the same origin.
 */
extern const char gw_dashboard_csp[];

#endif /* LOA_GATEWAY_DASHBOARD_H */
