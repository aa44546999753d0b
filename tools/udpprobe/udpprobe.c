// SPDX-License-Identifier: MIT
/*
 * udpprobe: hostile traffic for the data-plane selftests.
 *
 *   udpprobe replay PCAP IP PORT [--flip]
 *       Send the UDP payloads of every packet in PCAP (as written by
 *       tcpdump -w, Ethernet or raw IP) to IP:PORT, unchanged or with one
 *       bit of the ciphertext flipped. Prints how many were sent.
 *   udpprobe fuzz IP PORT COUNT SEED
 *       Send COUNT random datagrams: random bytes, truncated and oversized
 *       data headers, plausible short headers with random receiver
 *       indexes, long headers and STUN-looking ones.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PCAP_MAGIC	0xa1b2c3d4
#define PCAP_MAGIC_NS	0xa1b23c4d
#define LINKTYPE_ETH	1
#define LINKTYPE_RAW	101
#define LINKTYPE_SLL	113

struct target {
	int fd;
	struct sockaddr_storage ss;
	socklen_t len;
};

static int target_open(struct target *t, const char *ip, const char *port)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&t->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&t->ss;
	long p = strtol(port, NULL, 10);

	if (p <= 0 || p > 65535)
		return -EINVAL;
	memset(&t->ss, 0, sizeof(t->ss));
	if (inet_pton(AF_INET, ip, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)p);
		t->len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		t->len = sizeof(*in6);
	} else {
		return -EINVAL;
	}
	t->fd = socket(t->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return t->fd < 0 ? -errno : 0;
}

static void target_send(struct target *t, const uint8_t *buf, size_t len)
{
	/* Errors (e.g. ICMP-induced ECONNREFUSED) do not matter here. */
	if (sendto(t->fd, buf, len, 0, (struct sockaddr *)&t->ss, t->len) < 0 &&
	    errno == EMSGSIZE)
		fprintf(stderr, "udpprobe: %zu bytes too large\n", len);
}

/* Find the UDP payload in a captured frame; returns its length or -1. */
static long udp_payload(const uint8_t *pkt, size_t len, uint32_t linktype,
			const uint8_t **payload)
{
	size_t off = 0;
	uint8_t proto;

	if (linktype == LINKTYPE_ETH)
		off = 14;
	else if (linktype == LINKTYPE_SLL)
		off = 16;
	else if (linktype != LINKTYPE_RAW)
		return -1;
	if (len < off + 1)
		return -1;
	if ((pkt[off] >> 4) == 4) {
		size_t ihl = (size_t)(pkt[off] & 0xf) * 4;

		if (len < off + 20 || len < off + ihl + 8)
			return -1;
		proto = pkt[off + 9];
		off += ihl;
	} else if ((pkt[off] >> 4) == 6) {
		if (len < off + 40 + 8)
			return -1;
		proto = pkt[off + 6];
		off += 40;
	} else {
		return -1;
	}
	if (proto != IPPROTO_UDP)
		return -1;
	*payload = pkt + off + 8;
	return (long)(len - off - 8);
}

static int cmd_replay(int argc, char **argv)
{
	uint8_t ghdr[24], phdr[16], pkt[65536];
	unsigned long sent = 0;
	struct target t;
	uint32_t linktype;
	int flip;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "udpprobe replay PCAP IP PORT [--flip]\n");
		return 2;
	}
	flip = argc > 3 && !strcmp(argv[3], "--flip");
	if (target_open(&t, argv[1], argv[2]) < 0) {
		fprintf(stderr, "udpprobe: bad target %s %s\n", argv[1], argv[2]);
		return 2;
	}
	f = fopen(argv[0], "rb");
	if (!f) {
		perror("udpprobe: pcap");
		return 1;
	}
	if (fread(ghdr, 1, sizeof(ghdr), f) != sizeof(ghdr) ||
	    (*(uint32_t *)ghdr != PCAP_MAGIC && *(uint32_t *)ghdr != PCAP_MAGIC_NS)) {
		fprintf(stderr, "udpprobe: not a little-endian pcap file\n");
		fclose(f);
		return 1;
	}
	memcpy(&linktype, ghdr + 20, sizeof(linktype));
	while (fread(phdr, 1, sizeof(phdr), f) == sizeof(phdr)) {
		uint32_t caplen;
		const uint8_t *payload;
		long plen;

		memcpy(&caplen, phdr + 8, sizeof(caplen));
		if (caplen > sizeof(pkt) || fread(pkt, 1, caplen, f) != caplen)
			break;
		plen = udp_payload(pkt, caplen, linktype, &payload);
		if (plen <= 0)
			continue;
		if (flip) {
			uint8_t copy[65536];

			memcpy(copy, payload, (size_t)plen);
			/* Past the 13-byte header, so the receiver index still matches. */
			copy[plen > 20 ? 20 : plen - 1] ^= 0x01;
			target_send(&t, copy, (size_t)plen);
		} else {
			target_send(&t, payload, (size_t)plen);
		}
		sent++;
	}
	fclose(f);
	close(t.fd);
	printf("udpprobe: sent %lu datagrams\n", sent);
	return 0;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static int cmd_fuzz(int argc, char **argv)
{
	static const size_t lens[] = { 0, 1, 12, 13, 28, 29, 30, 100, 1400 };
	uint8_t buf[1500];
	unsigned long count, i;
	struct target t;
	uint64_t seed;

	if (argc < 4) {
		fprintf(stderr, "udpprobe fuzz IP PORT COUNT SEED\n");
		return 2;
	}
	if (target_open(&t, argv[0], argv[1]) < 0) {
		fprintf(stderr, "udpprobe: bad target %s %s\n", argv[0], argv[1]);
		return 2;
	}
	count = strtoul(argv[2], NULL, 0);
	seed = strtoull(argv[3], NULL, 0) | 1;
	for (i = 0; i < count; i++) {
		size_t len = rnd(&seed) % 2 ? lens[rnd(&seed) % 9] :
			     rnd(&seed) % sizeof(buf);
		size_t j;

		for (j = 0; j < len; j++)
			buf[j] = (uint8_t)rnd(&seed);
		if (len) {
			switch (rnd(&seed) % 4) {
			case 0: /* short header, as data */
			case 1:
				buf[0] = (uint8_t)(0x40 | (buf[0] & 0x3f));
				break;
			case 2: /* long header */
				buf[0] |= 0x80;
				break;
			default: /* STUN-like */
				buf[0] &= 0x3f;
				break;
			}
		}
		target_send(&t, buf, len);
	}
	close(t.fd);
	printf("udpprobe: sent %lu datagrams\n", count);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "replay"))
		return cmd_replay(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "fuzz"))
		return cmd_fuzz(argc - 2, argv + 2);
	fprintf(stderr, "usage: udpprobe replay PCAP IP PORT [--flip]\n"
			"       udpprobe fuzz IP PORT COUNT SEED\n");
	return 2;
}
