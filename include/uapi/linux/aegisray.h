/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * AegisRay generic netlink API: the single source of truth for the commands,
 * attributes and multicast groups shared by the aegisray kernel module and
 * its userspace (aegis-agent, aegisctl).
 *
 * Conventions
 * - Every request names the device with AEGIS_A_IFINDEX or AEGIS_A_IFNAME,
 *   except dumps of AEGIS_CMD_DEV_GET, which list every device of the netns.
 * - Objects travel in nests: AEGIS_A_DEV, AEGIS_A_NODE, AEGIS_A_KEY and
 *   AEGIS_A_PREFIX, each with its own attribute space below.
 * - Every command requires CAP_NET_ADMIN in the user namespace that owns the
 *   device's network namespace.
 * - Errors come back as a negative errno with an extended-ack message that
 *   names the offending attribute.
 * - Key material is write-only: no command ever returns it.
 * - Dumps carry AEGIS_A_GENERATION; a table change during a multi-part dump
 *   sets NLM_F_DUMP_INTR on the reply, and the reader should retry.
 */
#ifndef _UAPI_LINUX_AEGISRAY_H
#define _UAPI_LINUX_AEGISRAY_H

#include <linux/types.h>

#define AEGIS_GENL_NAME		"aegisray"
#define AEGIS_GENL_VERSION	1
/* Multicast group for the AEGIS_CMD_NTF_* notifications. */
#define AEGIS_GENL_MCGRP_NOTIFY	"notify"

/* rtnetlink link kind: ip link add aegis0 type aegisray */
#define AEGIS_LINK_KIND		"aegisray"

#define AEGIS_NODE_ID_LEN	32	/* SHA-256 of the node's identity key */
#define AEGIS_KEY_LEN		32	/* AES-256-GCM and ChaCha20-Poly1305 */
#define AEGIS_NONCE_SALT_LEN	4	/* per-direction nonce prefix */
#define AEGIS_KEY_ID_MAX	7	/* key id carried on the wire: 0..7 */

enum aegis_cmd {
	AEGIS_CMD_UNSPEC,

	/* Devices. GET: do (one device) or dump (all in the netns). */
	AEGIS_CMD_DEV_GET,
	/* SET: bind the UDP socket (AEGIS_DEV_A_SOCK_FD), local node id, limits. */
	AEGIS_CMD_DEV_SET,

	/* Nodes (peers), keyed by AEGIS_NODE_A_ID. */
	AEGIS_CMD_NODE_NEW,
	AEGIS_CMD_NODE_SET,
	AEGIS_CMD_NODE_DEL,
	AEGIS_CMD_NODE_GET,	/* do or dump; includes statistics */

	/* Session keys, two slots per node. */
	AEGIS_CMD_KEY_NEW,	/* install into a slot */
	AEGIS_CMD_KEY_SWAP,	/* exchange primary and secondary */
	AEGIS_CMD_KEY_DEL,	/* delete one slot */
	AEGIS_CMD_KEY_GET,	/* metadata only, never key material */

	/* Overlay prefixes (LPM table) that route to a node. */
	AEGIS_CMD_PREFIX_ADD,
	AEGIS_CMD_PREFIX_DEL,
	AEGIS_CMD_PREFIX_GET,	/* dump only */

	/* Notifications, sent to AEGIS_GENL_MCGRP_NOTIFY. */
	AEGIS_CMD_NTF_REKEY,		/* soft limit reached: renegotiate */
	AEGIS_CMD_NTF_KEY_EXPIRED,	/* hard limit reached: key retired */
	AEGIS_CMD_NTF_NO_KEY,		/* traffic for a node without keys */
	AEGIS_CMD_NTF_ENDPOINT,		/* a node's endpoint changed (roaming) */
	AEGIS_CMD_NTF_PEER_IDLE,	/* nothing received for idle_timeout */
	AEGIS_CMD_NTF_SOCK_CLOSED,	/* the bound socket went away */
	AEGIS_CMD_NTF_KEY_CONFIRMED,	/* a first packet decrypted with a key */

	__AEGIS_CMD_MAX
};

#define AEGIS_CMD_MAX (__AEGIS_CMD_MAX - 1)

/* Top-level attributes. */
enum aegis_attr {
	AEGIS_A_UNSPEC,
	AEGIS_A_IFINDEX,	/* u32 */
	AEGIS_A_IFNAME,		/* string */
	AEGIS_A_DEV,		/* nest: enum aegis_dev_attr */
	AEGIS_A_NODE,		/* nest: enum aegis_node_attr */
	AEGIS_A_KEY,		/* nest: enum aegis_key_attr */
	AEGIS_A_PREFIX,		/* nest: enum aegis_prefix_attr */
	AEGIS_A_GENERATION,	/* u32, in every reply and notification */
	AEGIS_A_PAD,
	__AEGIS_A_MAX
};

#define AEGIS_A_MAX (__AEGIS_A_MAX - 1)

/* AEGIS_A_DEV: device settings and state. */
enum aegis_dev_attr {
	AEGIS_DEV_A_UNSPEC,
	AEGIS_DEV_A_IFINDEX,		/* u32, reply */
	AEGIS_DEV_A_IFNAME,		/* string, reply */
	AEGIS_DEV_A_NODE_ID,		/* binary[32]: this node's id */
	AEGIS_DEV_A_SOCK_FD,		/* s32, set: UDP socket to attach; -1 detaches */
	AEGIS_DEV_A_LISTEN_PORT,	/* u16, reply: local port of the socket */
	AEGIS_DEV_A_NODES,		/* u32, reply: number of nodes */
	AEGIS_DEV_A_PREFIXES,		/* u32, reply: number of prefixes */
	AEGIS_DEV_A_IDLE_TIMEOUT,	/* u32 seconds, 0 = never (default 180) */
	AEGIS_DEV_A_HOP_LIMIT,		/* u8, relay hop limit for frames we originate */
	AEGIS_DEV_A_PAD,
	__AEGIS_DEV_A_MAX
};

#define AEGIS_DEV_A_MAX (__AEGIS_DEV_A_MAX - 1)

/* AEGIS_A_NODE: a peer of the mesh. */
enum aegis_node_attr {
	AEGIS_NODE_A_UNSPEC,
	AEGIS_NODE_A_ID,		/* binary[32], required */
	AEGIS_NODE_A_ENDPOINT_IP4,	/* binary[4], network order */
	AEGIS_NODE_A_ENDPOINT_IP6,	/* binary[16] */
	AEGIS_NODE_A_ENDPOINT_PORT,	/* u16, host order */
	AEGIS_NODE_A_VIA,		/* binary[32]: next-hop node; empty = direct */
	AEGIS_NODE_A_KEEPALIVE,		/* u16 seconds, 0 = off */
	AEGIS_NODE_A_FLAGS,		/* u32: enum aegis_node_flags */
	/* Reply only. */
	AEGIS_NODE_A_RX_BYTES,		/* u64 */
	AEGIS_NODE_A_RX_PACKETS,	/* u64 */
	AEGIS_NODE_A_TX_BYTES,		/* u64 */
	AEGIS_NODE_A_TX_PACKETS,	/* u64 */
	AEGIS_NODE_A_LAST_RX,		/* u64: CLOCK_BOOTTIME ns of last rx, 0 = never */
	AEGIS_NODE_A_DROPS,		/* nest: enum aegis_drop_attr, u64 each */
	AEGIS_NODE_A_PAD,
	/*
	 * u32 ifindex: the interface a link-local IPv6 endpoint is on
	 * (sin6_scope_id). Required with a link-local ENDPOINT_IP6, refused
	 * with any other endpoint.
	 */
	AEGIS_NODE_A_ENDPOINT_SCOPE,
	__AEGIS_NODE_A_MAX
};

#define AEGIS_NODE_A_MAX (__AEGIS_NODE_A_MAX - 1)

enum aegis_node_flags {
	/* We forward relay frames this node sends us to other nodes. */
	AEGIS_NODE_F_RELAY	= 1U << 0,
};

/* Per-node drop counters, by reason. */
enum aegis_drop_attr {
	AEGIS_DROP_A_UNSPEC,
	AEGIS_DROP_A_REPLAY,		/* counter already seen or too old */
	AEGIS_DROP_A_AUTH,		/* AEAD tag did not verify */
	AEGIS_DROP_A_NO_KEY,		/* no usable key for tx */
	AEGIS_DROP_A_NO_ROUTE,		/* no next hop (or relay target unknown) */
	AEGIS_DROP_A_RPF,		/* inner source does not route to sender */
	AEGIS_DROP_A_HOP_LIMIT,		/* relay frame ran out of hops */
	AEGIS_DROP_A_MALFORMED,		/* decrypted payload not a valid packet */
	AEGIS_DROP_A_KEY_EXPIRED,	/* hard limit reached */
	AEGIS_DROP_A_RELAY_DENIED,	/* relay frame from a non-relay neighbour */
	AEGIS_DROP_A_QUEUE_FULL,	/* the node's or the device's queue was full */
	AEGIS_DROP_A_PAD,
	AEGIS_DROP_A_ECN,		/* congestion mark on a packet not ECN-capable */
	__AEGIS_DROP_A_MAX
};

#define AEGIS_DROP_A_MAX (__AEGIS_DROP_A_MAX - 1)

enum aegis_key_slot {
	AEGIS_KEY_SLOT_PRIMARY,
	AEGIS_KEY_SLOT_SECONDARY,
};

enum aegis_cipher {
	AEGIS_CIPHER_NONE,
	AEGIS_CIPHER_AES_GCM,		/* gcm(aes), 256-bit key */
	AEGIS_CIPHER_CHACHA20POLY1305,	/* rfc7539(chacha20,poly1305) */
};

/* AEGIS_A_KEY: one key slot of a node. */
enum aegis_key_attr {
	AEGIS_KEY_A_UNSPEC,
	AEGIS_KEY_A_NODE_ID,		/* binary[32], required */
	AEGIS_KEY_A_SLOT,		/* u8: enum aegis_key_slot */
	AEGIS_KEY_A_KEY_ID,		/* u8: 0..AEGIS_KEY_ID_MAX */
	AEGIS_KEY_A_CIPHER,		/* u8: enum aegis_cipher */
	AEGIS_KEY_A_RX_INDEX,		/* u64: our index, seen in incoming CIDs */
	AEGIS_KEY_A_TX_INDEX,		/* u64: the peer's index, put in outgoing CIDs */
	AEGIS_KEY_A_ENCRYPT,		/* nest: enum aegis_keydir_attr */
	AEGIS_KEY_A_DECRYPT,		/* nest: enum aegis_keydir_attr */
	AEGIS_KEY_A_SOFT_LIFETIME,	/* u32 seconds, 0 = none: then NTF_REKEY */
	AEGIS_KEY_A_HARD_LIFETIME,	/* u32 seconds, 0 = none: then retired */
	AEGIS_KEY_A_SOFT_PACKETS,	/* u64 tx packets, 0 = default */
	AEGIS_KEY_A_HARD_PACKETS,	/* u64 tx packets, 0 = default */
	/* Reply only. */
	AEGIS_KEY_A_AGE,		/* u32 seconds since install */
	AEGIS_KEY_A_CONFIRMED,		/* flag: a packet decrypted with it */
	AEGIS_KEY_A_TX_PACKETS,		/* u64 */
	AEGIS_KEY_A_RX_PACKETS,		/* u64 */
	AEGIS_KEY_A_PAD,
	__AEGIS_KEY_A_MAX
};

#define AEGIS_KEY_A_MAX (__AEGIS_KEY_A_MAX - 1)

enum aegis_keydir_attr {
	AEGIS_KEYDIR_A_UNSPEC,
	AEGIS_KEYDIR_A_KEY,		/* binary[32] */
	AEGIS_KEYDIR_A_SALT,		/* binary[4] */
	__AEGIS_KEYDIR_A_MAX
};

#define AEGIS_KEYDIR_A_MAX (__AEGIS_KEYDIR_A_MAX - 1)

/* AEGIS_A_PREFIX: an overlay prefix routed to a node. */
enum aegis_prefix_attr {
	AEGIS_PREFIX_A_UNSPEC,
	AEGIS_PREFIX_A_NODE_ID,		/* binary[32] */
	AEGIS_PREFIX_A_IP4,		/* binary[4] */
	AEGIS_PREFIX_A_IP6,		/* binary[16] */
	AEGIS_PREFIX_A_LEN,		/* u8: prefix length */
	__AEGIS_PREFIX_A_MAX
};

#define AEGIS_PREFIX_A_MAX (__AEGIS_PREFIX_A_MAX - 1)

#endif /* _UAPI_LINUX_AEGISRAY_H */
