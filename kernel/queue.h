/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The parallel crypto pipeline: per-CPU workers that encrypt and decrypt,
 * and per-node ordered queues that put the packets back in order.
 *
 * A packet (on transmit: a GSO super-packet's segments, chained on
 * skb->next; on receive: one datagram) is a "unit". It is queued twice,
 * under its node's producer lock, in one go:
 *
 *   1. on the node's ordered ring (node->tx_ring or node->rx_ring), which
 *      fixes its place in the flow (and, on transmit, its packet counters);
 *   2. on the device's crypt ring (encrypt or decrypt), from which the
 *      worker of whichever CPU is free takes it.
 *
 * The worker sets the unit's state (AEGIS_UNIT_DONE or AEGIS_UNIT_DROP)
 * with release semantics and kicks the node's serial stage, which takes
 * units off the head of the ordered ring only while they are finished: the
 * transmit drain (any CPU, one at a time per node, under the ring's
 * consumer lock) and the receive NAPI poll (per node, with GRO). So the
 * crypto of one flow runs on every CPU while its packets leave in order.
 *
 * References: a unit holds a reference on its node and on each key it uses
 * until its serial stage has handled it. The node's rings therefore never
 * hold a unit once the node is freed.
 */
#ifndef _AEGIS_QUEUE_H
#define _AEGIS_QUEUE_H

#include <linux/atomic.h>
#include <linux/ptr_ring.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>

struct aegis_device;
struct aegis_crypt_scratch;

#define AEGIS_DEV_RING_SIZE	2048	/* units waiting for a worker */
#define AEGIS_NODE_RING_SIZE	1024	/* units per node and direction */

/*
 * A node's rings are queues like any router's: when packets come faster
 * than the workers seal (transmit) or open (receive) them they fill, and
 * at the top they drop (queue_full). An ECN-capable packet queued while
 * its ring is more than half full is marked CE instead, so that an
 * ECN-capable TCP backs off before anything is lost, as behind an AQM
 * (fq_codel with ecn). On transmit this matters for forwarded traffic:
 * a local sender's own queue limits (TSQ) keep it far below the mark.
 */
#define AEGIS_NODE_RING_MARK	(AEGIS_NODE_RING_SIZE / 2)

enum aegis_unit_state {
	AEGIS_UNIT_PENDING,
	AEGIS_UNIT_DONE,
	AEGIS_UNIT_DROP,
};

/*
 * struct aegis_worker - one CPU's worker for one direction.
 * @scratch: the AEAD request, nonce and scatterlist this worker reuses for
 *	     every packet (kmalloc'd: the scatterlist must be in the linear
 *	     map, which per-CPU memory need not be).
 */
struct aegis_worker {
	struct work_struct work;
	struct aegis_device *aegis;
	struct aegis_crypt_scratch *scratch;
};

/*
 * struct aegis_crypt_queue - a device-wide ring and its per-CPU workers.
 * @last_cpu: the CPU the last unit was handed to (round robin; racy by
 *	      design, any CPU will do).
 */
struct aegis_crypt_queue {
	struct ptr_ring ring;
	struct aegis_worker __percpu *workers;
	int last_cpu;
};

/* The segments of a transmit unit. */
#define aegis_for_each_seg(first, skb) \
	for ((skb) = (first); (skb); (skb) = (skb)->next)

extern struct workqueue_struct *aegis_crypt_wq;

int aegis_queue_module_init(void);
void aegis_queue_module_exit(void);

int aegis_crypt_queue_init(struct aegis_crypt_queue *q,
			   struct aegis_device *aegis, work_func_t fn);
/* After the last unit is gone: waits for the workers, frees everything. */
void aegis_crypt_queue_free(struct aegis_crypt_queue *q);

/*
 * Hand @unit to the workers. @unit is already on its node's ordered ring.
 * Returns false if the device ring is full (the caller marks it dropped).
 */
bool aegis_crypt_queue_push(struct aegis_crypt_queue *q, void *unit);

/* Worker side: the next unit, or NULL when the ring is empty. */
static inline void *aegis_crypt_queue_pop(struct aegis_crypt_queue *q)
{
	return ptr_ring_consume_bh(&q->ring);
}

/*
 * Is a node's ordered ring more than AEGIS_NODE_RING_MARK units full? The
 * slot that many ahead of the producer is then in use (ptr_ring fills its
 * array in order). Under the ring's producer lock.
 */
static inline bool aegis_ring_congested(struct ptr_ring *ring)
{
	lockdep_assert_held(&ring->producer_lock);
	return READ_ONCE(ring->queue[(ring->producer + AEGIS_NODE_RING_MARK) %
				     ring->size]);
}

static inline struct aegis_worker *aegis_worker(struct work_struct *work)
{
	return container_of(work, struct aegis_worker, work);
}

#endif /* _AEGIS_QUEUE_H */
