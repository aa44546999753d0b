// SPDX-License-Identifier: MIT
/*
 * SWIM with Lifeguard (swim.h): the probe in flight, the suspects, the
 * PING_REQs we serve for others.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "member/swim.h"

#define ID	WIRE_MESH_ID_LEN
#define TAB_MIN	64

const char *swim_state_name(enum swim_state st)
{
	switch (st) {
	case SWIM_ALIVE:
		return "alive";
	case SWIM_SUSPECT:
		return "suspect";
	case SWIM_DEAD:
		return "dead";
	case SWIM_LEFT:
		return "left";
	}
	return "unknown";
}

void swim_params_default(struct swim_params *p)
{
	p->probe_interval_ms = 1000;
	p->probe_timeout_ms = 500;
	p->relay_timeout_ms = 400;
	p->indirect = 3;
	p->suspicion_min_ms = 2000;
	p->suspicion_mult = 1;
	p->suspicion_max_mult = 4;
	p->confirmations = 2;
	p->awareness_max = 8;
	p->max_relays = 64;
}

/* ---- integer logarithms ------------------------------------------------ */

/* log2(x) in 16.16 fixed point, x >= 1 (0 for 0). */
static uint64_t log2_fp(uint64_t x)
{
	unsigned int ip, bit;
	uint64_t y, r;

	if (!x)
		return 0;
	ip = 63 - (unsigned int)__builtin_clzll(x);
	/* y = x / 2^ip in [1, 2), as Q30. */
	y = ip <= 30 ? x << (30 - ip) : x >> (ip - 30);
	r = (uint64_t)ip << 16;
	for (bit = 1U << 15; bit; bit >>= 1) {
		y = (y * y) >> 30;
		if (y >= (2ULL << 30)) {
			y >>= 1;
			r |= bit;
		}
	}
	return r;
}

/* log10(x) in 16.16: log2(x) * log10(2) (1292913987 / 2^32). */
static uint64_t log10_fp(uint64_t x)
{
	return (log2_fp(x) * 1292913987ULL) >> 32;
}

uint32_t swim_suspicion_ms(const struct swim_params *p, size_t n,
			   unsigned int c)
{
	uint64_t lg = log10_fp(n ? n : 1), min, max, frac, t;

	if (lg < (1ULL << 16))
		lg = 1ULL << 16;	/* max(1, log10 N), as memberlist */
	min = ((uint64_t)p->suspicion_mult * lg * p->probe_interval_ms +
	       (1ULL << 15)) >> 16;
	if (min < p->suspicion_min_ms)
		min = p->suspicion_min_ms;
	max = min * p->suspicion_max_mult;
	if (!p->confirmations || c >= p->confirmations)
		return (uint32_t)(min > UINT32_MAX ? UINT32_MAX : min);
	frac = (log2_fp(c + 1) << 16) / log2_fp(p->confirmations + 1);
	t = max - (((max - min) * frac) >> 16);
	if (t < min)
		t = min;
	return (uint32_t)(t > UINT32_MAX ? UINT32_MAX : t);
}

/* ---- actions ----------------------------------------------------------- */

void swim_out_init(struct swim_out *o)
{
	memset(o, 0, sizeof(*o));
}

void swim_out_free(struct swim_out *o)
{
	free(o->a);
	memset(o, 0, sizeof(*o));
}

static struct swim_act *act(struct swim_out *o, enum swim_act_type type,
			    const uint8_t *to, const uint8_t *target)
{
	struct swim_act *a;

	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 16;

		a = realloc(o->a, cap * sizeof(*a));
		if (!a) {
			o->lost = true;
			return NULL;
		}
		o->a = a;
		o->cap = cap;
	}
	a = &o->a[o->n++];
	memset(a, 0, sizeof(*a));
	a->type = type;
	if (to)
		memcpy(a->to, to, ID);
	if (target)
		memcpy(a->target, target, ID);
	return a;
}

static void event(struct swim_out *o, enum swim_act_type type,
		  const struct swim_member *m)
{
	struct swim_act *a = act(o, type, NULL, m->id);

	if (a)
		a->incarnation = m->incarnation;
}

static void gossip(struct swim_out *o, uint8_t state, const uint8_t *target,
		   uint64_t inc, const uint8_t *reporter)
{
	struct swim_act *a = act(o, SWIM_GOSSIP, NULL, target);

	if (!a)
		return;
	a->state = state;
	a->incarnation = inc;
	memcpy(a->reporter, reporter, ID);
}

static void send_ack(struct swim_out *o, const uint8_t *to, uint32_t seq,
		     uint8_t flags, uint64_t inc, const uint8_t *target)
{
	struct swim_act *a = act(o, SWIM_SEND_ACK, to, target);

	if (!a)
		return;
	a->seq = seq;
	a->flags = flags;
	a->incarnation = inc;
}

/* ---- the table --------------------------------------------------------- */

static uint64_t rnd(struct swim *s)
{
	uint64_t x = s->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static size_t rnd_below(struct swim *s, size_t n)
{
	return n ? (size_t)(rnd(s) % n) : 0;
}

static size_t slot_of(const struct swim *s, const uint8_t *id)
{
	uint64_t k;

	memcpy(&k, id, sizeof(k));
	k ^= k >> 31;
	k *= 0x9e3779b97f4a7c15ULL;
	return (size_t)(k >> 17) & s->mask;
}

struct swim_member *swim_find(const struct swim *s, const uint8_t *id)
{
	struct swim_member *m;

	for (m = s->tab[slot_of(s, id)]; m; m = m->hnext)
		if (!memcmp(m->id, id, ID))
			return m;
	return NULL;
}

static void tab_grow(struct swim *s)
{
	size_t i, size = (s->mask + 1) * 2, old = s->mask + 1;
	struct swim_member **nt, **ot = s->tab;

	if (s->n <= old)
		return;
	nt = calloc(size, sizeof(*nt));
	if (!nt)
		return;
	s->tab = nt;
	s->mask = size - 1;
	for (i = 0; i < old; i++) {
		struct swim_member *m, *next;

		for (m = ot[i]; m; m = next) {
			size_t h = slot_of(s, m->id);

			next = m->hnext;
			m->hnext = nt[h];
			nt[h] = m;
		}
	}
	free(ot);
}

static void order_swap(struct swim *s, size_t i, size_t j)
{
	struct swim_member *t = s->order[i];

	s->order[i] = s->order[j];
	s->order[j] = t;
	s->order[i]->idx = i;
	s->order[j]->idx = j;
}

/* Fisher-Yates: a new round in a new order. */
static void shuffle(struct swim *s)
{
	size_t i;

	for (i = s->n; i > 1; i--)
		order_swap(s, i - 1, rnd_below(s, i));
}

static void suspects_unlink(struct swim *s, struct swim_member *m)
{
	if (m->state != SWIM_SUSPECT)
		return;
	if (m->sprev)
		m->sprev->snext = m->snext;
	else
		s->suspects = m->snext;
	if (m->snext)
		m->snext->sprev = m->sprev;
	m->snext = m->sprev = NULL;
	s->n_suspects--;
}

static struct swim_member *member_add(struct swim *s, const uint8_t *id)
{
	struct swim_member *m;
	size_t h;

	if (s->n == s->cap) {
		size_t cap = s->cap * 2;
		struct swim_member **o = realloc(s->order,
						 cap * sizeof(*o));

		if (!o)
			return NULL;
		s->order = o;
		s->cap = cap;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	memcpy(m->id, id, ID);
	h = slot_of(s, id);
	m->hnext = s->tab[h];
	s->tab[h] = m;
	/* At a random place among those not probed yet this round. */
	m->idx = s->n;
	s->order[s->n++] = m;
	order_swap(s, m->idx, s->next + rnd_below(s, s->n - s->next));
	tab_grow(s);
	return m;
}

static void member_del(struct swim *s, struct swim_member *m)
{
	struct swim_member **pp = &s->tab[slot_of(s, m->id)];
	size_t i = m->idx;

	suspects_unlink(s, m);
	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == m) {
			*pp = m->hnext;
			break;
		}
	}
	/* Keep "probed this round" and "not yet" apart: bring it to the
	 * first unprobed place, then swap it with the last. */
	if (i < s->next) {
		order_swap(s, i, s->next - 1);
		s->next--;
		i = s->next;
	}
	order_swap(s, i, s->n - 1);
	s->n--;
	if (s->probe.active && !memcmp(s->probe.target, m->id, ID))
		s->probe.active = false;
	free(m);
}

int swim_init(struct swim *s, const uint8_t *self,
	      const struct swim_params *p, uint64_t seed, uint64_t now)
{
	memset(s, 0, sizeof(*s));
	if (p)
		s->p = *p;
	else
		swim_params_default(&s->p);
	if (!s->p.probe_interval_ms ||
	    s->p.probe_timeout_ms >= s->p.probe_interval_ms ||
	    !s->p.relay_timeout_ms || !s->p.indirect ||
	    s->p.indirect > SWIM_MAX_INDIRECT ||
	    s->p.confirmations > SWIM_MAX_CONFIRM ||
	    !s->p.suspicion_max_mult || !s->p.awareness_max ||
	    !s->p.max_relays)
		return -EINVAL;
	memcpy(s->self, self, ID);
	s->rng = seed ^ 0x6a09e667f3bcc908ULL;
	if (!s->rng)
		s->rng = 1;
	s->tab = calloc(TAB_MIN, sizeof(*s->tab));
	s->order = calloc(TAB_MIN, sizeof(*s->order));
	s->relays = calloc(s->p.max_relays, sizeof(*s->relays));
	if (!s->tab || !s->order || !s->relays) {
		swim_free(s);
		return -ENOMEM;
	}
	s->mask = TAB_MIN - 1;
	s->cap = TAB_MIN;
	s->next_probe = now;
	return 0;
}

void swim_free(struct swim *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->order[i]);
	free(s->tab);
	free(s->order);
	free(s->relays);
	memset(s, 0, sizeof(*s));
}

void swim_self_seq(struct swim *s, uint64_t seq)
{
	if (seq > s->self_inc)
		s->self_inc = seq;
}

/* ---- states ------------------------------------------------------------ */

static uint64_t rep_key(const uint8_t *id)
{
	uint64_t k;

	memcpy(&k, id, sizeof(k));
	return k;
}

static void set_deadline(struct swim *s, struct swim_member *m)
{
	m->suspect_deadline = m->suspect_start +
		swim_suspicion_ms(&s->p, s->n + 1, m->n_reporters - 1);
}

/* reporter says m is SUSPECT at inc (we checked inc is not stale). */
static void suspect(struct swim *s, struct swim_member *m,
		    const uint8_t *reporter, uint64_t inc, uint64_t now,
		    struct swim_out *o)
{
	uint64_t k = rep_key(reporter);
	unsigned int i;

	if (m->state == SWIM_ALIVE) {
		m->state = SWIM_SUSPECT;
		m->since = now;
		m->suspect_inc = inc > m->incarnation ? inc : m->incarnation;
		m->suspect_start = now;
		memcpy(m->reporter, reporter, ID);
		m->reporters[0] = k;
		m->n_reporters = 1;
		m->sprev = NULL;
		m->snext = s->suspects;
		if (s->suspects)
			s->suspects->sprev = m;
		s->suspects = m;
		s->n_suspects++;
		set_deadline(s, m);
		s->stats.suspected++;
		event(o, SWIM_EV_SUSPECT, m);
		gossip(o, WIRE_MESH_STATE_SUSPECT, m->id, m->suspect_inc,
		       reporter);
		return;
	}
	if (m->state != SWIM_SUSPECT)
		return;
	/* A confirmation counts once per reporter (Lifeguard). */
	for (i = 0; i < m->n_reporters; i++)
		if (m->reporters[i] == k)
			return;
	if (m->n_reporters > s->p.confirmations)
		return;
	m->reporters[m->n_reporters++] = k;
	if (inc > m->suspect_inc)
		m->suspect_inc = inc;
	set_deadline(s, m);
	s->stats.confirmations++;
	gossip(o, WIRE_MESH_STATE_SUSPECT, m->id, inc, reporter);
}

static void dead(struct swim *s, struct swim_member *m,
		 const uint8_t *reporter, uint64_t inc, uint64_t now,
		 struct swim_out *o)
{
	uint64_t at = inc > m->incarnation ? inc : m->incarnation;

	if (m->state == SWIM_SUSPECT && m->suspect_inc > at)
		at = m->suspect_inc;
	suspects_unlink(s, m);
	m->suspect_inc = at;
	m->state = SWIM_DEAD;
	m->since = now;
	s->stats.dead++;
	event(o, SWIM_EV_DOWN, m);
	gossip(o, WIRE_MESH_STATE_DEAD, m->id, m->suspect_inc, reporter);
}

static void alive(struct swim *s, struct swim_member *m, uint64_t now,
		  struct swim_out *o)
{
	suspects_unlink(s, m);
	m->state = SWIM_ALIVE;
	m->since = now;
	event(o, SWIM_EV_UP, m);
}

int swim_record(struct swim *s, const uint8_t *id, uint64_t seq, bool leave,
		uint64_t now, struct swim_out *o)
{
	struct swim_member *m;

	if (!memcmp(id, s->self, ID)) {
		swim_self_seq(s, seq);
		return 0;
	}
	m = swim_find(s, id);
	if (!m) {
		m = member_add(s, id);
		if (!m)
			return -ENOMEM;
		m->incarnation = seq;
		m->since = now;
		m->state = leave ? SWIM_LEFT : SWIM_ALIVE;
		event(o, leave ? SWIM_EV_LEFT : SWIM_EV_UP, m);
		return 0;
	}
	if (seq <= m->incarnation)
		return 0;
	m->incarnation = seq;
	if (leave) {
		if (m->state != SWIM_LEFT) {
			suspects_unlink(s, m);
			m->state = SWIM_LEFT;
			m->since = now;
			event(o, SWIM_EV_LEFT, m);
		}
		return 0;
	}
	switch (m->state) {
	case SWIM_ALIVE:
		break;
	case SWIM_SUSPECT:
	case SWIM_DEAD:
		/* Refuted: newer than the incarnation it was accused at. */
		if (seq > m->suspect_inc) {
			s->stats.refuted++;
			alive(s, m, now, o);
		}
		break;
	case SWIM_LEFT:
		alive(s, m, now, o);	/* it came back */
		break;
	}
	return 0;
}

void swim_remove(struct swim *s, const uint8_t *id)
{
	struct swim_member *m = swim_find(s, id);

	if (m)
		member_del(s, m);
}

/* ---- probing ----------------------------------------------------------- */

static uint64_t mult(const struct swim *s)
{
	return s->awareness + 1;
}

static void awareness(struct swim *s, int delta)
{
	int a = (int)s->awareness + delta;

	if (a < 0)
		a = 0;
	if (a > (int)s->p.awareness_max - 1)
		a = (int)s->p.awareness_max - 1;
	s->awareness = (unsigned int)a;
}

static struct swim_member *next_target(struct swim *s)
{
	size_t tries;

	for (tries = 0; tries <= s->n; tries++) {
		struct swim_member *m;

		if (s->next >= s->n) {
			shuffle(s);
			s->next = 0;
			if (!s->n)
				return NULL;
		}
		m = s->order[s->next++];
		if (m->state == SWIM_ALIVE || m->state == SWIM_SUSPECT)
			return m;
	}
	return NULL;
}

static void start_probe(struct swim *s, uint64_t now, struct swim_out *o)
{
	struct swim_member *m = next_target(s);
	struct swim_act *a;

	if (!m) {
		s->next_probe = now + s->p.probe_interval_ms;
		return;
	}
	memset(&s->probe, 0, sizeof(s->probe));
	s->probe.active = true;
	memcpy(s->probe.target, m->id, ID);
	s->probe.seq = ++s->seq;
	s->probe.start = now;
	s->next_probe = now + s->p.probe_interval_ms * mult(s);
	s->stats.probes++;
	a = act(o, SWIM_SEND_PING, m->id, m->id);
	if (!a)
		return;
	a->seq = s->probe.seq;
	a->incarnation = s->self_inc;
	if (m->state == SWIM_SUSPECT) {
		/* Lifeguard's buddy: tell it, it can refute at once. */
		a->flags = SWIM_F_BUDDY;
		a->state = WIRE_MESH_STATE_SUSPECT;
		a->incarnation = m->suspect_inc;
		memcpy(a->reporter, m->reporter, ID);
	}
}

/* PING_REQ to up to k ALIVE others, from a random place of the (random)
 * probe order. */
static void start_indirect(struct swim *s, struct swim_out *o)
{
	size_t i, start = rnd_below(s, s->n);
	unsigned int k = 0;

	s->probe.indirect = true;
	for (i = 0; i < s->n && k < s->p.indirect; i++) {
		struct swim_member *m = s->order[(start + i) % s->n];
		struct swim_act *a;

		if (m->state != SWIM_ALIVE ||
		    !memcmp(m->id, s->probe.target, ID))
			continue;
		memcpy(s->probe.relay[k++], m->id, ID);
		a = act(o, SWIM_SEND_PING_REQ, m->id, s->probe.target);
		if (a)
			a->seq = s->probe.seq;
	}
	s->probe.n_relays = k;
	s->stats.indirect += k;
}

static void probe_failed(struct swim *s, uint64_t now, struct swim_out *o)
{
	struct swim_member *m = swim_find(s, s->probe.target);

	s->probe.active = false;
	/* Lifeguard: NACKs we expected and did not get say that we, not
	 * the target, may be the slow one. */
	if (s->probe.n_relays)
		awareness(s, (int)(s->probe.n_relays - s->probe.nacks));
	else
		awareness(s, 1);
	if (!m || (m->state != SWIM_ALIVE && m->state != SWIM_SUSPECT))
		return;
	s->stats.probes_failed++;
	suspect(s, m, s->self, m->incarnation, now, o);
}

void swim_tick(struct swim *s, uint64_t now, struct swim_out *o)
{
	struct swim_member *m, *next;
	unsigned int i;

	if (s->probe.active) {
		if (!s->probe.indirect &&
		    now >= s->probe.start + s->p.probe_timeout_ms * mult(s))
			start_indirect(s, o);
		if (now >= s->next_probe)
			probe_failed(s, now, o);
	}
	for (m = s->suspects; m; m = next) {
		next = m->snext;
		if (now >= m->suspect_deadline)
			dead(s, m, s->self, m->suspect_inc, now, o);
	}
	for (i = 0; i < s->p.max_relays; i++) {
		struct swim_relay *r = &s->relays[i];

		if (!r->used || now < r->deadline)
			continue;
		send_ack(o, r->requester, r->req_seq, WIRE_MESH_ACK_NACK, 0,
			 r->target);
		r->used = false;
	}
	if (!s->probe.active && now >= s->next_probe)
		start_probe(s, now, o);
}

uint64_t swim_next_deadline(const struct swim *s)
{
	const struct swim_member *m;
	uint64_t t = s->next_probe;
	unsigned int i;

	if (s->probe.active && !s->probe.indirect) {
		uint64_t d = s->probe.start + s->p.probe_timeout_ms * mult(s);

		if (d < t)
			t = d;
	}
	for (m = s->suspects; m; m = m->snext)
		if (m->suspect_deadline < t)
			t = m->suspect_deadline;
	for (i = 0; i < s->p.max_relays; i++)
		if (s->relays[i].used && s->relays[i].deadline < t)
			t = s->relays[i].deadline;
	return t;
}

/* ---- messages ---------------------------------------------------------- */

static void want_record(struct swim_out *o, const uint8_t *from,
			const uint8_t *target, uint64_t inc)
{
	struct swim_act *a = act(o, SWIM_WANT_RECORD, from, target);

	if (a)
		a->incarnation = inc;
}

void swim_on_ping(struct swim *s, const uint8_t *from,
		  const struct wire_mesh_ping *m, uint64_t now,
		  struct swim_out *o)
{
	const struct swim_member *x = swim_find(s, from);

	(void)now;
	send_ack(o, from, m->seq, 0, s->self_inc, s->self);
	if (x && m->incarnation > x->incarnation)
		want_record(o, from, from, m->incarnation);
}

static bool is_relay(const struct swim *s, const uint8_t *id)
{
	unsigned int i;

	for (i = 0; i < s->probe.n_relays; i++)
		if (!memcmp(s->probe.relay[i], id, ID))
			return true;
	return false;
}

void swim_on_ack(struct swim *s, const uint8_t *from,
		 const struct wire_mesh_ack *m, uint64_t now,
		 struct swim_out *o)
{
	const struct swim_member *x;
	unsigned int i;

	(void)now;
	/* An answer to a PING we sent for someone else's PING_REQ. */
	for (i = 0; i < s->p.max_relays; i++) {
		struct swim_relay *r = &s->relays[i];

		if (!r->used || r->seq != m->seq ||
		    memcmp(r->target, m->target, ID) ||
		    memcmp(from, m->target, ID) ||
		    (m->flags & WIRE_MESH_ACK_NACK))
			continue;
		send_ack(o, r->requester, r->req_seq, 0, m->incarnation,
			 r->target);
		r->used = false;
		return;
	}
	if (!s->probe.active || m->seq != s->probe.seq ||
	    memcmp(m->target, s->probe.target, ID) ||
	    (memcmp(from, s->probe.target, ID) && !is_relay(s, from))) {
		s->stats.late++;
		return;
	}
	if (m->flags & WIRE_MESH_ACK_NACK) {
		if (is_relay(s, from) && s->probe.nacks < s->probe.n_relays) {
			s->probe.nacks++;
			s->stats.nacks++;
		}
		return;
	}
	s->probe.active = false;
	s->stats.acks++;
	awareness(s, -1);
	x = swim_find(s, m->target);
	if (x && m->incarnation > x->incarnation)
		want_record(o, from, m->target, m->incarnation);
}

void swim_on_ping_req(struct swim *s, const uint8_t *from,
		      const struct wire_mesh_ping_req *m, uint64_t now,
		      struct swim_out *o)
{
	struct swim_relay *r = NULL;
	struct swim_act *a;
	unsigned int i;

	if (!memcmp(m->target, s->self, ID)) {
		send_ack(o, from, m->seq, 0, s->self_inc, s->self);
		return;
	}
	if (!swim_find(s, m->target)) {
		send_ack(o, from, m->seq, WIRE_MESH_ACK_NACK, 0, m->target);
		return;
	}
	for (i = 0; i < s->p.max_relays && !r; i++)
		if (!s->relays[i].used)
			r = &s->relays[i];
	if (!r) {
		s->stats.relay_full++;
		send_ack(o, from, m->seq, WIRE_MESH_ACK_NACK, 0, m->target);
		return;
	}
	r->used = true;
	r->seq = ++s->seq;
	r->req_seq = m->seq;
	r->deadline = now + s->p.relay_timeout_ms;
	memcpy(r->requester, from, ID);
	memcpy(r->target, m->target, ID);
	s->stats.relayed++;
	a = act(o, SWIM_SEND_PING, m->target, m->target);
	if (a) {
		a->seq = r->seq;
		a->incarnation = s->self_inc;
	}
}

void swim_on_suspect(struct swim *s, const struct wire_mesh_suspect *m,
		     uint64_t now, struct swim_out *o)
{
	struct swim_member *x;

	if (!memcmp(m->target, s->self, ID)) {
		/* Us: a record with a higher seq refutes it. */
		if (m->incarnation >= s->self_inc) {
			struct swim_act *a = act(o, SWIM_REFUTE, NULL, s->self);

			if (a)
				a->incarnation = m->incarnation;
			s->stats.refutes++;
			awareness(s, 1);
		}
		return;
	}
	x = swim_find(s, m->target);
	if (!x || x->state == SWIM_DEAD || x->state == SWIM_LEFT)
		return;
	if (m->incarnation < x->incarnation) {
		s->stats.stale++;
		return;
	}
	if (m->state == WIRE_MESH_STATE_DEAD)
		dead(s, x, m->reporter, m->incarnation, now, o);
	else
		suspect(s, x, m->reporter, m->incarnation, now, o);
}
