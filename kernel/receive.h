/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef _AEGIS_RECEIVE_H
#define _AEGIS_RECEIVE_H

#include <linux/types.h>

#include <uapi/linux/aegisray.h>

struct aegis_device;
struct aegis_key;
struct aegis_node;
struct napi_struct;
struct sock;
struct sk_buff;
struct work_struct;
union aegis_sockaddr;

/* UDP encap_rcv: 0 = consumed, 1 = not ours, leave it on the socket. */
int aegis_encap_rcv(struct sock *sk, struct sk_buff *skb);
/* The decrypt workers' work function (queue.h). */
void aegis_rx_worker(struct work_struct *work);
/* A node's serial receive stage: in order, with GRO. */
int aegis_rx_poll(struct napi_struct *napi, int budget);
/*
 * Free the finished units at the head of a dead node's ring (its NAPI is
 * disabled); the workers finish the rest as they complete.
 */
void aegis_rx_purge(struct aegis_node *node);

/* Shared with relay.c: */
/* Count and free a received packet that goes no further. */
void aegis_rx_drop(struct aegis_device *aegis, struct aegis_node *node,
		   struct sk_buff *skb, enum aegis_drop_attr why);
/* Where the outer packet came from (for roaming). */
bool aegis_rx_source(struct sk_buff *skb, union aegis_sockaddr *from);
/*
 * The verdict of opening a layer with @key (@err), then its replay check
 * and bookkeeping. Returns false if the packet was dropped.
 */
bool aegis_rx_accept(struct aegis_device *aegis, struct aegis_key *key,
		     u64 counter, int err, struct sk_buff *skb);

#endif /* _AEGIS_RECEIVE_H */
