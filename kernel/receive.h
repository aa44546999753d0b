/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef _AEGIS_RECEIVE_H
#define _AEGIS_RECEIVE_H

struct aegis_node;
struct napi_struct;
struct sock;
struct sk_buff;
struct work_struct;

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

#endif /* _AEGIS_RECEIVE_H */
