/* A milter in C (Sendmail's libmilter) that reads every stage of every message and does nothing with it.
 *
 * bench_milter.py's "c-null" row: it negotiates what our null milter negotiates (the data of connect, HELO,
 * MAIL, RCPT, headers and body; no answer awaited before the body, SMFIP_NR_*; no DATA or unknown-command
 * callbacks; header values with their leading space) and answers continue at the end of each message. With no
 * Python in it, what Postfix still loses against no milter is the cost of the milter protocol to Postfix and to
 * the machine: the ceiling for any milter that reads whole messages, on this machine.
 *
 *     gcc -O2 -o null_milter null_milter.c -lmilter -lpthread   (Debian: libmilter-dev)
 *     ./null_milter inet:PORT@127.0.0.1
 */
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

static const unsigned long WANTED = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR |
                                    SMFIP_NR_EOH | SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_HDR_LEADSPC;

static sfsistat negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
                          unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3) {
    (void)ctx; (void)f2; (void)f3;
    *pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE);
    *pf1 = f1 & WANTED;
    *pf2 = 0;
    *pf3 = 0;
    return SMFIS_CONTINUE;
}

static sfsistat on_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr) {
    (void)ctx; (void)host; (void)addr;
    return SMFIS_NOREPLY;
}

static sfsistat on_helo(SMFICTX *ctx, char *helo) {
    (void)ctx; (void)helo;
    return SMFIS_NOREPLY;
}

static sfsistat on_envelope(SMFICTX *ctx, char **argv) {
    (void)ctx; (void)argv;
    return SMFIS_NOREPLY;
}

static sfsistat on_header(SMFICTX *ctx, char *name, char *value) {
    (void)ctx; (void)name; (void)value;
    return SMFIS_NOREPLY;
}

static sfsistat on_end_of_headers(SMFICTX *ctx) {
    (void)ctx;
    return SMFIS_NOREPLY;
}

static sfsistat on_body(SMFICTX *ctx, unsigned char *chunk, size_t length) {
    (void)ctx; (void)chunk; (void)length;
    return SMFIS_CONTINUE;
}

static sfsistat on_end_of_message(SMFICTX *ctx) {
    (void)ctx;
    return SMFIS_CONTINUE;
}

int main(int argc, char **argv) {
    struct smfiDesc desc;
    memset(&desc, 0, sizeof desc);
    desc.xxfi_name = "null";
    desc.xxfi_version = SMFI_VERSION;
    desc.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE;
    desc.xxfi_connect = on_connect;
    desc.xxfi_helo = on_helo;
    desc.xxfi_envfrom = on_envelope;
    desc.xxfi_envrcpt = on_envelope;
    desc.xxfi_header = on_header;
    desc.xxfi_eoh = on_end_of_headers;
    desc.xxfi_body = on_body;
    desc.xxfi_eom = on_end_of_message;
    desc.xxfi_negotiate = negotiate;
    if (argc != 2) {
        fprintf(stderr, "usage: %s inet:PORT@127.0.0.1\n", argv[0]);
        return 2;
    }
    if (smfi_setconn(argv[1]) == MI_FAILURE || smfi_register(desc) == MI_FAILURE) {
        fprintf(stderr, "null_milter: cannot listen on %s\n", argv[1]);
        return 1;
    }
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
