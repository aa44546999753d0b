/* SPDX-License-Identifier: MIT */
/*
 * The agent's view of the kernel: the aegis0 device over rtnetlink
 * (libnl-route-3: create, address, MTU, up, routes, delete) and the
 * aegisray genl family (libnl-genl-3 via common/genl.c and aegis_nl.c:
 * bind the socket, nodes, keys, prefixes, notifications).
 *
 * Every function returns 0 or a negative errno and writes a one-line
 * reason to k->err (with the kernel's extack text when it gave one).
 */
#ifndef AGENT_KERNEL_H
#define AGENT_KERNEL_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/aegisray.h>

#include "aegis_nl.h"
#include "genl.h"
#include "netaddr.h"

#define KERNEL_ERR_SIZE 512

struct nl_sock;

struct kernel {
	struct aegis_genl genl;		/* requests */
	struct aegis_genl events;	/* the notify group */
	struct nl_sock *rtnl;		/* libnl-route */
	char ifname[IFNAMSIZ];
	uint32_t ifindex;
	bool created;			/* we made the device: delete on exit */
	char err[KERNEL_ERR_SIZE];
};

/*
 * Open the sockets: rtnl, genl (resolving the family loads the module
 * through its genl alias when it is installed) and events (subscribed,
 * non-blocking). If the family is still missing, this succeeds with genl
 * and events closed: kernel_dev_ensure() creates the device, which loads
 * the module through the rtnl alias, and opens them. So the order open,
 * dev_ensure, bind works with the module loaded or not.
 */
int kernel_open(struct kernel *k);
/* Close the sockets (the device stays: kernel_dev_remove_if_created). */
void kernel_close(struct kernel *k);

/*
 * Find ifname; create it (type aegisray) if absent and remember that.
 * Then set the MTU (unless 0) and bring it up. Fails with -EEXIST if
 * ifname is another kind of device, -EOPNOTSUPP if the module could not
 * be loaded, -ENOENT if the genl family is still missing. On failure a
 * device created here is deleted again.
 */
int kernel_dev_ensure(struct kernel *k, const char *ifname, uint32_t mtu);
/* Delete the device if kernel_dev_ensure created it. */
int kernel_dev_remove_if_created(struct kernel *k);
/* Does the device still exist? */
bool kernel_dev_exists(struct kernel *k);

/* Add an address (prefix length plen) to the device; EEXIST is fine. */
int kernel_addr_add(struct kernel *k, const struct aegis_addr *a, uint8_t plen);
/* Remove it again; an address that is not there is fine. */
int kernel_addr_del(struct kernel *k, const struct aegis_addr *a, uint8_t plen);
/* Routes via the device (proto static, scope link); EEXIST / ENOENT fine. */
int kernel_route_add(struct kernel *k, const struct aegis_prefix *p);
int kernel_route_del(struct kernel *k, const struct aegis_prefix *p);

/*
 * Bind the UDP socket fd (bound to a port; -1 detaches) and set our node
 * id unless node_id is NULL (AEGIS_CMD_DEV_SET). A new socket replaces the
 * old one; the socket the device holds already is refused (-EBUSY).
 */
int kernel_bind(struct kernel *k, int sock_fd, const uint8_t *node_id);

/* Seconds without rx before NTF_PEER_IDLE (0 = never). */
int kernel_dev_set_idle(struct kernel *k, uint32_t seconds);

/*
 * Nodes. kernel_node_set creates the node if needed (NODE_NEW, then
 * NODE_SET on -EEXIST). endpoint may be NULL (no endpoint for a new node,
 * the current one kept for an existing node); via NULL = direct.
 */
int kernel_node_set(struct kernel *k, const uint8_t *id,
		    const struct aegis_udp_endpoint *endpoint, const uint8_t *via,
		    uint16_t keepalive, uint32_t flags);
int kernel_node_del(struct kernel *k, const uint8_t *id);
/* Statistics and endpoint of one node. */
int kernel_node_get(struct kernel *k, const uint8_t *id, struct aegis_nl_node *out);

/*
 * Keys. kernel_key_new sends the attributes marked present in key (with
 * AEGIS_SET); key->enc/dec hold the secrets, the caller wipes key. The
 * request is wiped here.
 */
int kernel_key_new(struct kernel *k, const struct aegis_nl_key *key);
int kernel_key_swap(struct kernel *k, const uint8_t *id);
int kernel_key_del(struct kernel *k, const uint8_t *id, uint8_t slot);
/* Metadata of one slot (-ENOENT if empty). */
int kernel_key_get(struct kernel *k, const uint8_t *id, uint8_t slot,
		   struct aegis_nl_key *out);

/* Overlay prefixes of node id. For del, id NULL matches any node. */
int kernel_prefix_add(struct kernel *k, const uint8_t *id,
		      const struct aegis_prefix *p);
int kernel_prefix_del(struct kernel *k, const uint8_t *id,
		      const struct aegis_prefix *p);

/* A notification, decoded. */
struct kernel_event {
	uint8_t cmd;			/* AEGIS_CMD_NTF_* */
	uint32_t ifindex;
	bool has_node;
	struct aegis_nl_node node;
	bool has_key;
	struct aegis_nl_key key;
};

typedef void (*kernel_event_fn)(const struct kernel_event *ev, void *arg);

/*
 * The fd to poll for notifications, -1 while the family is missing: take
 * it after kernel_dev_ensure().
 */
int kernel_events_fd(const struct kernel *k);
/*
 * Read what is queued (non-blocking) and call fn for each notification of
 * our device. -ENOBUFS means some were lost (fn is not told which). fn may
 * make requests (they use another socket) but must not read events.
 */
int kernel_events_read(struct kernel *k, kernel_event_fn fn, void *arg);

/* The fib's calls (fib/fib.h) bound to these, context a struct kernel. */
struct fib_ops;
extern const struct fib_ops kernel_fib_ops;

#endif /* AGENT_KERNEL_H */
