/* report_assets.h - the style sheet and script of reports/index.html, kept as files of their own
 * beside this header (report.css, report.js) and embedded in the program at build time as C
 * arrays (cmake/embed.cmake, called from harness/CMakeLists.txt), each without its opening
 * comment: the page carries them inline, so that it fetches nothing. */
#ifndef KX_REPORT_ASSETS_H
#define KX_REPORT_ASSETS_H

/* The bytes of report.css after its opening comment, NUL-terminated. */
extern const char kx_report_css[];

/* The bytes of report.js after its opening comment, NUL-terminated. */
extern const char kx_report_js[];

#endif
