/* capture.h - a pcapng capture and a key log file per case, from the flights
 * the relay recorded, that Wireshark and tshark decrypt with no set-up.
 *
 * For case <id> with index i, in DIR/captures/:
 *   <id>.pcapng      one section: the case named in the section header, an
 *                    interface with raw IPv4 packets, a Decryption Secrets
 *                    Block with the session's key log line (completed
 *                    handshakes only) before any packet, then the packets:
 *                    TLS as a TCP conversation from 192.0.2.1 port
 *                    50000 + i % 4096 to 192.0.2.2 port 4433 (modelled
 *                    handshake, segments of at most one MSS, modelled FIN
 *                    close), DTLS as one UDP datagram per relayed datagram
 *                    between the same addresses and ports (core/netpkt.h
 *                    says why these ports). Each packet has a comment naming
 *                    its sender, flight, items, ESCertKE message and NOTIFY
 *                    primitive, fault, or application-data text.
 *   <id>.keylog      the NSS key log lines, one per distinct client random,
 *                    or a comment line when the handshake did not complete.
 *   all-cases.pcapng the same section of every case, appended as each case
 *                    finishes, so that one tshark process checks them
 *                    all (capture_check.h). Cases 4096 and later go to
 *                    all-cases-2.pcapng, and so on, because a file must not
 *                    hold two conversations on one port.
 *
 * Use: kx_capture_begin once before the cases (it empties the batch files of
 * an earlier run), kx_capture_case after each case, then the check
 * (capture_check.h) over the batch files. Each call opens and closes its files, so there is nothing to end and a
 * run that stops half-way leaves valid files. kx_capture_case may be called
 * from several threads at once: sections reach the batch file whole, in the
 * order the cases finish. */
#ifndef KX_CAPTURE_H
#define KX_CAPTURE_H

#include <stddef.h>

#include <jansson.h>

#include "core/netpkt.h"
#include "runner/wire/relay.h"

/* Cases per batch file: one initiator port each, all distinct within a file. */
#define KX_CAPTURE_BATCH KX_PORT_SPAN

/* Creates DIR and DIR/captures if missing and empties the batch files; 0, or -1 with err. */
int kx_capture_begin(const char *dir, char *err, size_t errlen);

/* Writes the case's capture and key log and appends its section to its batch file; case_index
 * must be unique in the run (it picks the port and the batch). Sets result["capture"] =
 * {pcapng, keylog, batch, port, packets}. relay may be NULL (no flights). 0, or -1 with err
 * (result["capture"] then holds {"error": err}). */
int kx_capture_case(const char *dir, size_t case_index, const char *case_id, const struct kx_relay *relay,
                    json_t *result, char *err, size_t errlen);

/* The path of case_index's batch file under dir into out (capacity len); its length as snprintf. */
int kx_capture_batch_path(const char *dir, size_t case_index, char *out, size_t len);

struct kx_tshark;

/* From now on (after kx_capture_begin on dir), each batch file's sections are also written to a tshark of
 * its own as its cases finish (runner/wire/tshark.h), so that tshark dissects while the run goes on
 * instead of after it; kx_capture_check takes each one with kx_capture_take_feed. Without a tshark
 * (tshark.h, kx_tshark_find) nothing is fed, and the check says it did not run. */
void kx_capture_feed_tshark(const char *dir);

/* The tshark fed with the batch file at path batch (as kx_capture_case named it in "batch"), now
 * the caller's to finish (tshark.h); NULL when none was fed. */
struct kx_tshark *kx_capture_take_feed(const char *batch);

/* Kills every fed tshark nobody took (an interrupted run, a check that did not run) and stops
 * feeding. */
void kx_capture_stop_feeding(void);

#endif
