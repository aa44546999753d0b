/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef _AEGIS_RECEIVE_H
#define _AEGIS_RECEIVE_H

struct sock;
struct sk_buff;

/* UDP encap_rcv: 0 = consumed, 1 = not ours, leave it on the socket. */
int aegis_encap_rcv(struct sock *sk, struct sk_buff *skb);

#endif /* _AEGIS_RECEIVE_H */
