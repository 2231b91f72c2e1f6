/* main.c - a driver: one backend-neutral main linked once per TLS backend.
 *
 * It speaks the JSON-lines protocol of docs/driver-protocol.md on stdin and
 * stdout: a hello line first, then one response line per request line, in
 * order. It reports what its library computed and never judges it; the runner
 * (kxconform) does. Diagnostics go to stderr, never stdout. */
#include "backend.h"
#include "core/growable.h"
#include "core/json_io.h"
#include "core/json_write.h"
#include "core/json_parse.h"
#include "core/json_doc.h"
#include "driver/ops.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_line(json_t *message)
{
	/* One reused buffer and kx_json_write, not a string allocated per line. */
	static struct kx_text line;
	line.len = 0;
	if (kx_json_write(&line, message) != 0 || kx_text_put_literal(&line, "\n") != 0)
		return -1;
	return fwrite(line.data, 1, line.len, stdout) == line.len ? 0 : -1;
}

/* A request that is not a JSON object still gets an answer, so the runner
 * learns what was wrong instead of waiting. */
static json_t *malformed(const char *why)
{
	return json_pack("{s:n, s:b, s:s+}", "id", "ok", 0, "error", "malformed request: ", why);
}

int main(int argc, char **argv)
{
	const struct kx_backend *backend = kx_backend();
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: %s\n\nA kxconform driver for %s (%s). It reads JSON-lines requests on stdin\n"
		       "and answers on stdout; see docs/driver-protocol.md. It is started by kxconform.\n",
		       argv[0], backend->name, backend->library_version());
		return 0;
	}
	static char out_buf[65536]; /* before any output, as setvbuf requires */
	setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
	json_t *greeting = kx_driver_hello(backend);
	int status = write_line(greeting);
	json_decref(greeting);

	/* Requests are read with read() into our own buffer, so the driver knows
	 * when no complete request is waiting: only then are the answers flushed.
	 * A pipelined batch costs one write per 64 KiB, a single request is
	 * answered at once. */
	if (status == 0 && fflush(stdout) != 0)
		status = -1;
	size_t cap = 65536, len = 0, pos = 0;
	char *line = malloc(cap);
	/* A request as a document (read from copy), and its answer's text: all reused. */
	struct kx_json_doc doc = {0};
	struct kx_text copy = {NULL, 0, 0}, answer = {NULL, 0, 0};
	int eof = 0;
	while (status == 0 && line != NULL) {
		char *nl = memchr(line + pos, '\n', len - pos);
		size_t n;
		if (nl != NULL) {
			n = (size_t)(nl - (line + pos)) + 1;
		} else if (eof) {
			if (len == pos)
				break;
			n = len - pos;
		} else {
			if (fflush(stdout) != 0) {
				status = -1;
				break;
			}
			memmove(line, line + pos, len - pos);
			len -= pos;
			pos = 0;
			if (KX_GROW(line, cap, len + 4096) != 0)
				break;
			ssize_t got = read(STDIN_FILENO, line + len, cap - len);
			if (got < 0)
				break;
			if (got == 0)
				eof = 1;
			len += (size_t)got;
			continue;
		}
		char *start = line + pos;
		pos += n;
		if (n == 1 && start[0] == '\n')
			continue;
		/* A derivation request is read into a document and answered as text,
		 * without jansson values, which cost as much per request as the
		 * five HMACs of an e2e derivation (bench/RESULTS.md, "Vector
		 * checking"). The document is read from a copy (it decodes in
		 * place); anything else takes the path below, from the line. */
		copy.len = 0;
		if (kx_text_put(&copy, start, n) == 0 && kx_json_doc_parse(&doc, copy.data, n, 0, NULL) == 0 &&
		    doc.nodes[0].type == JSON_OBJECT) {
			const char *op = kx_json_doc_string(&doc, kx_json_doc_get(&doc, 0, "op"));
			if (op != NULL && strcmp(op, "bye") == 0)
				break;
			answer.len = 0;
			if (kx_driver_answer_doc(backend, &doc, &answer)) {
				status = kx_text_put_literal(&answer, "\n") == 0 &&
						 fwrite(answer.data, 1, answer.len, stdout) == answer.len
					 ? 0
					 : -1;
				continue;
			}
		}
		json_error_t error;
		json_t *request = kx_json_parse(start, n, 0, &error);
		json_t *response;
		if (request == NULL)
			response = malformed(error.text);
		else if (!json_is_object(request))
			response = malformed("not a JSON object");
		else if (json_is_string(json_object_get(request, "op")) &&
			 strcmp(json_string_value(json_object_get(request, "op")), "bye") == 0)
			response = NULL;
		else
			response = kx_driver_answer(backend, request);
		json_decref(request);
		if (response == NULL)
			break;
		status = write_line(response);
		json_decref(response);
	}
	if (fflush(stdout) != 0)
		status = -1;
	free(line);
	kx_json_doc_free(&doc);
	free(copy.data);
	free(answer.data);
	kx_sessions_close_all(backend);
	return status == 0 ? 0 : 1;
}
