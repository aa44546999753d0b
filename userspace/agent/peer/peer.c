// SPDX-License-Identifier: MIT
/*
 * The peer table: lookups, allocation, retry scheduling. A fixed array in
 * struct agent: the mesh sizes this agent targets are small, and a fixed
 * table means no allocation on the packet path.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "transport/addr.h"
#include "core/agent.h"
#include "hex.h"

const char *peer_state_name(enum peer_state st)
{
	switch (st) {
	case PEER_UNKNOWN:
		return "unknown";
	case PEER_HANDSHAKE:
		return "handshake";
	case PEER_ESTABLISHED:
		return "established";
	case PEER_FAILED:
		return "failed";
	}
	return "?";
}

struct peer *peer_find_id(struct agent *a, const uint8_t *id)
{
	unsigned int i;

	for (i = 0; i < AGENT_MAX_PEERS; i++) {
		struct peer *p = &a->peers[i];

		if (p->used && p->has_id && !memcmp(p->id, id, AEGIS_NODE_ID_LEN))
			return p;
	}
	return NULL;
}

struct peer *peer_find_init_index(struct agent *a, uint64_t index)
{
	unsigned int i;

	for (i = 0; i < AGENT_MAX_PEERS; i++) {
		struct peer *p = &a->peers[i];

		if (p->used && p->init_inflight && p->init.sender_index == index)
			return p;
	}
	return NULL;
}

struct peer *peer_find_static(struct agent *a, int static_idx)
{
	unsigned int i;

	for (i = 0; i < AGENT_MAX_PEERS; i++) {
		struct peer *p = &a->peers[i];

		if (p->used && p->static_idx == static_idx)
			return p;
	}
	return NULL;
}

struct peer *peer_alloc(struct agent *a)
{
	unsigned int i;

	for (i = 0; i < AGENT_MAX_PEERS; i++) {
		struct peer *p = &a->peers[i];

		if (!p->used) {
			memset(p, 0, sizeof(*p));
			p->used = true;
			p->static_idx = -1;
			p->state = PEER_UNKNOWN;
			return p;
		}
	}
	return NULL;
}

/* Forget the in-flight initiation and its cookie. */
void peer_reset_session(struct peer *p)
{
	if (p->init_inflight)
		hs_init_clear(&p->init);
	p->init_inflight = false;
	p->has_cookie = false;
}

/*
 * Exponential backoff with jitter: 1, 2, 4 ... 30 s, plus up to a quarter
 * more at random so that a mesh restarted at once does not synchronise.
 */
void peer_schedule_retry(struct agent *a, struct peer *p, uint64_t now)
{
	uint64_t delay = RETRY_BASE_MS;
	uint16_t jitter = 0;
	unsigned int i;

	(void)a;
	for (i = 0; i < p->attempts && delay < RETRY_MAX_MS; i++)
		delay *= 2;
	if (delay > RETRY_MAX_MS)
		delay = RETRY_MAX_MS;
	if (RAND_bytes((unsigned char *)&jitter, sizeof(jitter)) != 1)
		jitter = 0;
	delay += (delay / 4) * jitter / 65535;
	if (p->attempts < 16)
		p->attempts++;
	p->next_attempt_ms = now + delay;
}

/* "name (0123456789ab)" or the static endpoint's host:port. */
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
