/* SPDX-License-Identifier: MIT */
/*
 * The aegisray generic netlink attributes (include/uapi/linux/aegisray.h)
 * as C structs: put them into a request, parse them out of a reply or a
 * notification, and name commands, attributes and enum values.
 *
 * Each object records which attributes it carries in a bit mask indexed
 * by the uapi attribute number: AEGIS_HAS(node, AEGIS_NODE_A_KEEPALIVE).
 * The put functions write exactly the attributes marked present (those a
 * request may carry); the parse functions mark what the kernel sent.
 */
#ifndef AEGIS_NL_H
#define AEGIS_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include <linux/aegisray.h>
#include <netlink/msg.h>

#include "netaddr.h"

#define AEGIS_BIT(attr)		(UINT64_C(1) << (attr))
#define AEGIS_HAS(obj, attr)	(((obj)->present & AEGIS_BIT(attr)) != 0)
#define AEGIS_SET(obj, attr)	((obj)->present |= AEGIS_BIT(attr))

/* A request names its device by ifindex (if non-zero) or by name. */
struct aegis_devref {
	uint32_t ifindex;
	char ifname[IFNAMSIZ];
};

/* AEGIS_A_DEV */
struct aegis_nl_dev {
	uint64_t present;
	uint32_t ifindex;
	char ifname[IFNAMSIZ];
	uint8_t node_id[AEGIS_NODE_ID_LEN];
	int32_t sock_fd;
	uint16_t listen_port;
	uint32_t nodes;
	uint32_t prefixes;
	uint32_t idle_timeout;
	uint8_t hop_limit;
};

/* AEGIS_A_NODE. The endpoint is present as ENDPOINT_IP4 or _IP6 + _PORT. */
struct aegis_nl_node {
	uint64_t present;
	uint8_t id[AEGIS_NODE_ID_LEN];
	struct aegis_udp_endpoint endpoint;
	bool via_direct;		/* VIA present and empty: no next hop */
	uint8_t via[AEGIS_NODE_ID_LEN];
	uint16_t keepalive;
	uint32_t flags;
	uint64_t rx_bytes;
	uint64_t rx_packets;
	uint64_t tx_bytes;
	uint64_t tx_packets;
	uint64_t last_rx;		/* CLOCK_BOOTTIME ns, 0 = never */
	uint64_t drops_present;		/* AEGIS_BIT(AEGIS_DROP_A_*) */
	uint64_t drops[AEGIS_DROP_A_MAX + 1];
};

struct aegis_nl_keydir {
	uint8_t key[AEGIS_KEY_LEN];
	uint8_t salt[AEGIS_NONCE_SALT_LEN];
};

/*
 * AEGIS_A_KEY. enc/dec hold secrets when present: wipe the struct with
 * aegis_key_wipe() when done.
 */
struct aegis_nl_key {
	uint64_t present;
	uint8_t node_id[AEGIS_NODE_ID_LEN];
	uint8_t slot;
	uint8_t key_id;
	uint8_t cipher;
	uint64_t rx_index;
	uint64_t tx_index;
	struct aegis_nl_keydir enc;	/* AEGIS_KEY_A_ENCRYPT */
	struct aegis_nl_keydir dec;	/* AEGIS_KEY_A_DECRYPT */
	uint32_t soft_lifetime;
	uint32_t hard_lifetime;
	uint64_t soft_packets;
	uint64_t hard_packets;
	uint32_t age;
	uint64_t tx_packets;
	uint64_t rx_packets;
	/* AEGIS_KEY_A_CONFIRMED: only its present bit. */
};

/* AEGIS_A_PREFIX. The address is present as AEGIS_PREFIX_A_IP4 or _IP6. */
struct aegis_prefix_entry {
	uint64_t present;
	uint8_t node_id[AEGIS_NODE_ID_LEN];
	struct aegis_prefix prefix;
};

/* The top level of a message, apart from the object nests. */
struct aegis_msg_info {
	uint8_t cmd;
	uint64_t present;		/* AEGIS_BIT(AEGIS_A_*) */
	uint32_t ifindex;
	char ifname[IFNAMSIZ];
	uint32_t generation;
};

/* Wipe key material (explicit_bzero: not optimised away). */
void aegis_key_wipe(struct aegis_nl_key *k);

/*
 * Request builders. Return 0 or -EMSGSIZE (message full), -EINVAL (an
 * object that cannot be encoded, e.g. an endpoint without an address).
 */
int aegis_put_devref(struct nl_msg *msg, const struct aegis_devref *d);
/* Puts the settable fields: NODE_ID, SOCK_FD, IDLE_TIMEOUT, HOP_LIMIT. */
int aegis_put_dev(struct nl_msg *msg, const struct aegis_nl_dev *d);
/* Puts ID (always) and ENDPOINT, VIA, KEEPALIVE, FLAGS if present. */
int aegis_put_node(struct nl_msg *msg, const struct aegis_nl_node *n);
/* Puts NODE_ID (always) and the request attributes that are present. */
int aegis_put_key(struct nl_msg *msg, const struct aegis_nl_key *k);
/* Puts NODE_ID if present, the address and LEN. */
int aegis_put_prefix(struct nl_msg *msg, const struct aegis_prefix_entry *p);

/*
 * Parse the genl header and the top-level attributes of a message (the
 * nests are only checked for well-formedness). Returns 0 or -EBADMSG with
 * a reason in err.
 */
int aegis_parse_info(const struct nlmsghdr *nlh, struct aegis_msg_info *info,
		     char *err, size_t errsz);

/* The top-level attributes of a genl message and their length. */
const struct nlattr *aegis_msg_attrs(const struct nlmsghdr *nlh, int *len);

/*
 * Parse one nest (the AEGIS_A_* attribute itself). Unknown attributes are
 * skipped (a newer kernel); a known one with the wrong size is an error.
 * Key material, should a kernel ever send it, is ignored.
 * Return 0 or -EBADMSG with a reason in err.
 */
int aegis_parse_dev(const struct nlattr *nest, struct aegis_nl_dev *d, char *err,
		    size_t errsz);
int aegis_parse_node(const struct nlattr *nest, struct aegis_nl_node *n,
		     char *err, size_t errsz);
int aegis_parse_key(const struct nlattr *nest, struct aegis_nl_key *k, char *err,
		    size_t errsz);
int aegis_parse_prefix(const struct nlattr *nest, struct aegis_prefix_entry *p,
		       char *err, size_t errsz);

/* Names: "dev-get", "ntf-rekey"... NULL if unknown. */
const char *aegis_cmd_name(unsigned int cmd);
/* "aes-gcm", "chacha20poly1305", "none"; NULL if unknown. */
const char *aegis_cipher_name(unsigned int cipher);
/* "primary", "secondary"; NULL if unknown. */
const char *aegis_slot_name(unsigned int slot);
/* "replay", "auth", ... for AEGIS_DROP_A_*; NULL if unknown. */
const char *aegis_drop_name(unsigned int drop);

/*
 * Name an attribute by its path of types from the top level, as uapi
 * spells it, "AEGIS_A_NODE/AEGIS_NODE_A_VIA". Fits aegis_genl_namer_fn.
 */
int aegis_attr_path_name(const uint16_t *path, unsigned int depth, char *buf,
			 size_t size);

#endif /* AEGIS_NL_H */
