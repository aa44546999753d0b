// SPDX-License-Identifier: MIT
/*
 * The peer table (peer.h): allocation, hash lookups, retry backoff.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "hex.h"
#include "peer/peer.h"
#include "transport/addr.h"

#define PEER_MIN_BUCKETS	64

const char *peer_state_name(enum peer_state st)
{
	switch (st) {
	case PEER_UNKNOWN:
		return "unknown";
	case PEER_HANDSHAKE:
		return "handshake";
	case PEER_ESTABLISHED:
		return "established";
	case PEER_IDLE:
		return "idle";
	case PEER_FAILED:
		return "failed";
	}
	return "?";
}

/* ---- hash sets of links ------------------------------------------------ */

/* Keys are uniform already (hash prefixes, random indices): mix anyway so
 * that a structured key spreads too. */
static size_t mix(uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key;
}

static size_t bucket_of(const struct peer_bucket_set *b, uint64_t key)
{
	return mix(key) & b->mask;
}

static int set_init(struct peer_bucket_set *b)
{
	b->v = calloc(PEER_MIN_BUCKETS, sizeof(*b->v));
	if (!b->v)
		return -ENOMEM;
	b->mask = PEER_MIN_BUCKETS - 1;
	b->n = 0;
	return 0;
}

/* Double the buckets when the chains average more than one link. */
static void set_grow(struct peer_bucket_set *b)
{
	size_t i, size = (b->mask + 1) * 2;
	struct peer_link **v;

	if (b->n <= b->mask + 1)
		return;
	v = calloc(size, sizeof(*v));
	if (!v)
		return;		/* longer chains, still correct */
	for (i = 0; i <= b->mask; i++) {
		struct peer_link *l = b->v[i], *next;

		for (; l; l = next) {
			size_t j = mix(l->key) & (size - 1);

			next = l->next;
			l->next = v[j];
			v[j] = l;
		}
	}
	free(b->v);
	b->v = v;
	b->mask = size - 1;
}

static void set_add(struct peer_bucket_set *b, struct peer_link *l,
		    uint64_t key)
{
	size_t i = bucket_of(b, key);

	l->key = key;
	l->next = b->v[i];
	b->v[i] = l;
	l->linked = true;
	b->n++;
	set_grow(b);
}

static void set_del(struct peer_bucket_set *b, struct peer_link *l)
{
	struct peer_link **pp;

	if (!l->linked)
		return;
	for (pp = &b->v[bucket_of(b, l->key)]; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			b->n--;
			break;
		}
	}
	l->next = NULL;
	l->linked = false;
}

static uint64_t id_key(const uint8_t *id)
{
	uint64_t k;

	memcpy(&k, id, sizeof(k));
	return k;
}

/* ---- the table ---------------------------------------------------------- */

int peer_table_init(struct peer_table *t, size_t limit,
		    struct timer_heap *timers)
{
	memset(t, 0, sizeof(*t));
	t->limit = limit;
	t->timers = timers;
	if (set_init(&t->ids) || set_init(&t->inits) ||
	    set_init(&t->pendings) || set_init(&t->chans[0]) ||
	    set_init(&t->chans[1])) {
		free(t->ids.v);
		free(t->inits.v);
		free(t->pendings.v);
		free(t->chans[0].v);
		free(t->chans[1].v);
		return -ENOMEM;
	}
	return 0;
}

void peer_table_free(struct peer_table *t)
{
	while (t->all)
		peer_free(t, t->all);
	free(t->ids.v);
	free(t->inits.v);
	free(t->pendings.v);
	free(t->chans[0].v);
	free(t->chans[1].v);
	memset(t, 0, sizeof(*t));
}

struct peer *peer_alloc(struct peer_table *t, struct agent *a,
			const timer_fn fns[6])
{
	struct peer *p;

	if (t->count >= t->limit)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->static_idx = -1;
	p->state = PEER_UNKNOWN;
	p->agent = a;
	timer_init(&p->t_retry, fns[0]);
	timer_init(&p->t_init, fns[1]);
	timer_init(&p->t_rekey, fns[2]);
	timer_init(&p->t_pending, fns[3]);
	timer_init(&p->t_confirm, fns[4]);
	timer_init(&p->t_grace, fns[5]);
	p->all_next = t->all;
	if (t->all)
		t->all->all_prev = p;
	t->all = p;
	t->count++;
	return p;
}

void peer_free(struct peer_table *t, struct peer *p)
{
	if (t->on_free)
		t->on_free(p, t->on_free_arg);
	peer_reset_init(t, p);
	set_del(&t->ids, &p->by_id);
	set_del(&t->pendings, &p->by_pending);
	set_del(&t->chans[0], &p->by_chan[0]);
	set_del(&t->chans[1], &p->by_chan[1]);
	peer_set_static(t, p, -1);
	timer_cancel(t->timers, &p->t_retry);
	timer_cancel(t->timers, &p->t_init);
	timer_cancel(t->timers, &p->t_rekey);
	timer_cancel(t->timers, &p->t_pending);
	timer_cancel(t->timers, &p->t_confirm);
	timer_cancel(t->timers, &p->t_grace);
	if (p->all_prev)
		p->all_prev->all_next = p->all_next;
	else
		t->all = p->all_next;
	if (p->all_next)
		p->all_next->all_prev = p->all_prev;
	t->count--;
	OPENSSL_clear_free(p, sizeof(*p));
}

int peer_set_id(struct peer_table *t, struct peer *p, const uint8_t *id)
{
	struct peer *q = peer_find_id(t, id);

	if (q && q != p)
		return -EEXIST;
	if (q)
		return 0;
	set_del(&t->ids, &p->by_id);
	memcpy(p->id, id, AEGIS_NODE_ID_LEN);
	p->has_id = true;
	set_add(&t->ids, &p->by_id, id_key(id));
	return 0;
}

int peer_set_init_index(struct peer_table *t, struct peer *p, uint64_t index)
{
	set_del(&t->inits, &p->by_init);
	if (index)
		set_add(&t->inits, &p->by_init, index);
	return 0;
}

int peer_set_pending_index(struct peer_table *t, struct peer *p,
			   uint64_t index)
{
	set_del(&t->pendings, &p->by_pending);
	if (index)
		set_add(&t->pendings, &p->by_pending, index);
	return 0;
}

void peer_index_chans(struct peer_table *t, struct peer *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		set_del(&t->chans[i], &p->by_chan[i]);
		if (p->chan[i].valid && p->chan[i].rx_index)
			set_add(&t->chans[i], &p->by_chan[i],
				p->chan[i].rx_index);
	}
}

void peer_set_static(struct peer_table *t, struct peer *p, int cfg_idx)
{
	if (p->static_idx >= 0 && p->static_idx < CFG_MAX_PEERS &&
	    t->statics[p->static_idx] == p)
		t->statics[p->static_idx] = NULL;
	p->static_idx = -1;
	if (cfg_idx >= 0 && cfg_idx < CFG_MAX_PEERS) {
		t->statics[cfg_idx] = p;
		p->static_idx = cfg_idx;
	}
}

#define link_peer(l, member) container_of(l, struct peer, member)

struct peer *peer_find_id(struct peer_table *t, const uint8_t *id)
{
	const struct peer_link *l;

	for (l = t->ids.v[bucket_of(&t->ids, id_key(id))]; l; l = l->next) {
		struct peer *p = link_peer(l, by_id);

		t->probes++;
		if (!memcmp(p->id, id, AEGIS_NODE_ID_LEN))
			return p;
	}
	return NULL;
}

/* The link of key in b (indices: the key is the whole identity). */
static struct peer_link *set_find(struct peer_table *t,
				  const struct peer_bucket_set *b, uint64_t key)
{
	struct peer_link *l;

	for (l = b->v[bucket_of(b, key)]; l; l = l->next) {
		t->probes++;
		if (l->key == key)
			return l;
	}
	return NULL;
}

struct peer *peer_find_init_index(struct peer_table *t, uint64_t index)
{
	struct peer_link *l = set_find(t, &t->inits, index);

	return l ? link_peer(l, by_init) : NULL;
}

struct peer *peer_find_pending_index(struct peer_table *t, uint64_t index)
{
	struct peer_link *l = set_find(t, &t->pendings, index);

	return l ? link_peer(l, by_pending) : NULL;
}

struct peer *peer_find_chan(struct peer_table *t, uint64_t index,
			    struct chan_keys **keys)
{
	struct peer_link *l = set_find(t, &t->chans[0], index);
	struct peer *p;

	if (l) {
		p = link_peer(l, by_chan[0]);
		*keys = &p->chan[0];
		return p;
	}
	l = set_find(t, &t->chans[1], index);
	if (l) {
		p = link_peer(l, by_chan[1]);
		*keys = &p->chan[1];
		return p;
	}
	*keys = NULL;
	return NULL;
}

struct peer *peer_find_static(struct peer_table *t, int cfg_idx)
{
	if (cfg_idx < 0 || cfg_idx >= CFG_MAX_PEERS)
		return NULL;
	return t->statics[cfg_idx];
}

void peer_reset_init(struct peer_table *t, struct peer *p)
{
	set_del(&t->inits, &p->by_init);
	if (p->init) {
		hs_init_clear(p->init);
		free(p->init);
		p->init = NULL;
	}
	timer_cancel(t->timers, &p->t_init);
	p->has_cookie = false;
}

void peer_schedule_retry(struct peer_table *t, struct peer *p, uint64_t now)
{
	uint64_t delay = RETRY_BASE_MS;
	uint16_t jitter = 0;
	unsigned int i;

	for (i = 0; i < p->attempts && delay < RETRY_MAX_MS; i++)
		delay *= 2;
	if (delay > RETRY_MAX_MS)
		delay = RETRY_MAX_MS;
	if (RAND_bytes((unsigned char *)&jitter, sizeof(jitter)) != 1)
		jitter = 0;
	delay += (delay / 4) * jitter / 65535;
	if (p->attempts < 16)
		p->attempts++;
	timer_arm(t->timers, &p->t_retry, now + delay);
}

const char *peer_label(const struct peer *p, char *buf, size_t size)
{
	if (p->has_id) {
		char id[AEGIS_NODE_ID_SHORT_SIZE];

		snprintf(buf, size, "%s (%s)", p->cert.name,
			 aegis_node_id_short(p->id, id));
	} else {
		char ep[AEGIS_ENDPOINT_STRSIZE];

		snprintf(buf, size, "peer at %s",
			 addr_str((const struct sockaddr *)&p->ep, ep, sizeof(ep)));
	}
	return buf;
}
