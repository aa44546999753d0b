// SPDX-License-Identifier: MIT
/*
 * The link estimator of one neighbour (probe.h): RTT and loss from
 * probes and their echoes, the link's cost, dead-link detection.
 */
#include <errno.h>
#include <string.h>

#include "route/probe.h"

#define RTT_GRANULARITY_US	1000	/* RFC 6298's G: the clock's tick */
#define COST_STEP_MIN		5	/* probe_cost_changed(): 0.5 ms */

void probe_config_default(struct probe_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->window = 32;
	cfg->dead_probes = 3;
	cfg->dead_ms = 2000;
	cfg->rto_min_ms = 50;
	cfg->rto_max_ms = 1000;
	cfg->rto_init_ms = 1000;
	cfg->hop_cost = 1000 / PROBE_COST_UNIT_US;
	cfg->loss_penalty = 50000 / PROBE_COST_UNIT_US;
}

int probe_init(struct probe *p, const struct probe_config *cfg, uint64_t now)
{
	if (cfg->window < 1 || cfg->window > PROBE_RING ||
	    cfg->dead_probes < 1 || cfg->dead_probes > PROBE_RING ||
	    !cfg->dead_ms || !cfg->rto_min_ms || !cfg->rto_init_ms ||
	    cfg->rto_min_ms > cfg->rto_max_ms)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	p->last_heard = now;
	return 0;
}

static struct probe_slot *slot_of(struct probe *p, uint32_t seq)
{
	return &p->ring[seq % PROBE_RING];
}

void probe_sent(struct probe *p, uint32_t seq, uint64_t now)
{
	struct probe_slot *s = slot_of(p, seq);

	s->seq = seq;
	s->state = PROBE_SLOT_PENDING;
	s->sent = now;
	p->has_sent = true;
	p->last_seq = seq;
	p->n_sent++;
}

/* RFC 6298, section 2, in microseconds. */
static void rtt_sample(struct probe *p, uint32_t r)
{
	uint32_t delta;

	if (!p->has_rtt) {
		p->srtt_us = r;
		p->rttvar_us = r / 2;
		p->has_rtt = true;
		return;
	}
	delta = p->srtt_us > r ? p->srtt_us - r : r - p->srtt_us;
	p->rttvar_us = p->rttvar_us - p->rttvar_us / 4 + delta / 4;
	p->srtt_us = p->srtt_us - p->srtt_us / 8 + r / 8;
}

int probe_echo(struct probe *p, uint32_t seq, uint64_t now)
{
	struct probe_slot *s = slot_of(p, seq);
	uint64_t rtt;

	if (now > p->last_heard)
		p->last_heard = now;
	if (s->state == PROBE_SLOT_EMPTY || s->seq != seq) {
		p->n_stray++;
		return -ENOENT;
	}
	if (s->state == PROBE_SLOT_ANSWERED) {
		p->n_stray++;
		return -EALREADY;
	}
	s->state = PROBE_SLOT_ANSWERED;
	p->n_answered++;
	rtt = now > s->sent ? now - s->sent : 0;
	if (rtt > 60000)
		rtt = 60000;
	rtt_sample(p, (uint32_t)rtt * 1000);
	return (int)rtt;
}

void probe_heard(struct probe *p, uint64_t now)
{
	if (now > p->last_heard)
		p->last_heard = now;
}

uint32_t probe_rto(const struct probe *p)
{
	uint64_t var, rto;

	if (!p->has_rtt)
		return p->cfg.rto_init_ms;
	var = 4 * (uint64_t)p->rttvar_us;
	if (var < RTT_GRANULARITY_US)
		var = RTT_GRANULARITY_US;
	rto = (p->srtt_us + var + 999) / 1000;
	if (rto < p->cfg.rto_min_ms)
		rto = p->cfg.rto_min_ms;
	if (rto > p->cfg.rto_max_ms)
		rto = p->cfg.rto_max_ms;
	return (uint32_t)rto;
}

bool probe_srtt_us(const struct probe *p, uint32_t *srtt, uint32_t *rttvar)
{
	if (!p->has_rtt)
		return false;
	if (srtt)
		*srtt = p->srtt_us;
	if (rttvar)
		*rttvar = p->rttvar_us;
	return p->has_rtt;
}

/* What a probe's slot says now: answered, lost (past the RTO), or not yet. */
enum slot_verdict { SLOT_UNRESOLVED, SLOT_ANSWERED, SLOT_LOST };

static enum slot_verdict verdict(const struct probe_slot *s, uint64_t now,
				 uint32_t rto)
{
	if (s->state == PROBE_SLOT_ANSWERED)
		return SLOT_ANSWERED;
	if (now >= s->sent && now - s->sent >= rto)
		return SLOT_LOST;
	return SLOT_UNRESOLVED;
}

/*
 * The i-th newest probe sent (0: the newest), or NULL when there is none:
 * fewer were sent, or a number was skipped.
 */
static const struct probe_slot *nth_newest(const struct probe *p,
					   unsigned int i)
{
	uint32_t seq = p->last_seq - i;
	const struct probe_slot *s = &p->ring[seq % PROBE_RING];

	if (!p->has_sent || i >= PROBE_RING || s->state == PROBE_SLOT_EMPTY ||
	    s->seq != seq)
		return NULL;
	return s;
}

void probe_loss(const struct probe *p, uint64_t now, unsigned int *lost,
		unsigned int *resolved)
{
	uint32_t rto = probe_rto(p);
	unsigned int i, nl = 0, nr = 0;
	const struct probe_slot *s;

	for (i = 0; i < p->cfg.window && (s = nth_newest(p, i)); i++) {
		switch (verdict(s, now, rto)) {
		case SLOT_LOST:
			nl++;
			nr++;
			break;
		case SLOT_ANSWERED:
			nr++;
			break;
		case SLOT_UNRESOLVED:
			break;
		}
	}
	*lost = nl;
	*resolved = nr;
}

unsigned int probe_unanswered(const struct probe *p, uint64_t now)
{
	uint32_t rto = probe_rto(p);
	unsigned int i, n = 0;
	bool seen_resolved = false;
	const struct probe_slot *s;

	for (i = 0; (s = nth_newest(p, i)); i++) {
		enum slot_verdict v = verdict(s, now, rto);

		if (v == SLOT_ANSWERED)
			break;
		if (v == SLOT_LOST) {
			seen_resolved = true;
			n++;
		} else if (seen_resolved) {
			/* Older than a lost one, yet within its RTO: the
			 * clock went back; count it as not lost. */
			break;
		}
	}
	return n;
}

bool probe_dead(const struct probe *p, uint64_t now)
{
	uint64_t quiet = now >= p->last_heard ? now - p->last_heard : 0;

	if (quiet >= p->cfg.dead_ms)
		return true;
	return quiet >= p->cfg.quiet_ms &&
	       probe_unanswered(p, now) >= p->cfg.dead_probes;
}

uint16_t probe_cost(const struct probe *p, uint64_t now)
{
	unsigned int lost, resolved, answered;
	uint64_t base, cost;

	if (!p->has_rtt || probe_dead(p, now))
		return PROBE_COST_INF;
	probe_loss(p, now, &lost, &resolved);
	answered = resolved - lost;
	if (resolved && !answered)
		return PROBE_COST_MAX;
	/* (SRTT + hop + P) * resolved / answered - P, rounded. */
	base = (p->srtt_us + PROBE_COST_UNIT_US / 2) / PROBE_COST_UNIT_US +
	       p->cfg.hop_cost;
	if (resolved) {
		uint64_t pen = p->cfg.loss_penalty;

		cost = ((base + pen) * resolved + answered / 2) / answered -
		       pen;
	} else {
		cost = base;
	}
	if (cost < 1)
		cost = 1;
	if (cost > PROBE_COST_MAX)
		cost = PROBE_COST_MAX;
	return (uint16_t)cost;
}

bool probe_cost_changed(uint16_t was, uint16_t now)
{
	unsigned int diff, step;

	if (was == now)
		return false;
	if (was == PROBE_COST_INF || now == PROBE_COST_INF)
		return true;
	diff = was > now ? was - now : now - was;
	step = was / 16;
	if (step < COST_STEP_MIN)
		step = COST_STEP_MIN;
	return diff >= step;
}
