// SPDX-License-Identifier: MIT
/*
 * The mesh engine (mesh.h): start and stop, our own record, the timers,
 * and what the mesh keeps per peer.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "core/agent.h"
#include "core/log.h"
#include "mesh/mesh.h"
#include "peer/peer.h"

#define REFRESH_CHECK_MS	30000	/* endpoints looked at this often */
#define ARRAY_SIZE(x)		(sizeof(x) / sizeof((x)[0]))

static uint64_t jitter(uint64_t ms)
{
	uint32_t r = 0;

	if (RAND_bytes((uint8_t *)&r, sizeof(r)) != 1)
		r = 0;
	return ms - ms / 4 + r % (ms / 2 + 1);
}

bool mesh_is_neighbour(const struct peer *p)
{
	return p->state == PEER_ESTABLISHED && p->chan[PEER_CHAN_CUR].valid &&
	       p->mesh && p->mesh->up;
}

/* ---- our endpoints ----------------------------------------------------- */

static bool in_prefix(const struct aegis_prefix *p, int family,
		      const uint8_t *addr)
{
	unsigned int bits = p->len, i;

	if (p->addr.family != family)
		return false;
	for (i = 0; i < bits / 8; i++)
		if (addr[i] != p->addr.u.bytes[i])
			return false;
	if (bits % 8) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits % 8));

		if ((addr[i] & mask) != (p->addr.u.bytes[i] & mask))
			return false;
	}
	return true;
}

/*
 * The host's own addresses where our socket listens: every address of an
 * interface that is up, except loopback, our own device, IPv6 link-local
 * addresses (they need a scope) and addresses inside the mesh.
 */
static void self_endpoints(struct agent *a, struct mesh_self_ep *out)
{
	struct ifaddrs *ifa, *i;

	memset(out, 0, sizeof(*out));
	if (getifaddrs(&ifa)) {
		log_warn("mesh: cannot list the host's addresses: %s",
			 strerror(errno));
		return;
	}
	for (i = ifa; i && out->n < MESH_MAX_ENDPOINTS; i = i->ifa_next) {
		struct wire_mesh_endpoint *e = &out->ep[out->n];
		const uint8_t *addr;
		int family;

		if (!i->ifa_addr || !(i->ifa_flags & IFF_UP) ||
		    (i->ifa_flags & IFF_LOOPBACK) ||
		    !strcmp(i->ifa_name, a->cfg.ifname))
			continue;
		family = i->ifa_addr->sa_family;
		if (family == AF_INET) {
			addr = (const uint8_t *)&((struct sockaddr_in *)
						  i->ifa_addr)->sin_addr;
			if (in_prefix(&a->cfg.network_cidr, AF_INET, addr))
				continue;
		} else if (family == AF_INET6) {
			const struct in6_addr *a6 =
				&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;

			if (IN6_IS_ADDR_LINKLOCAL(a6) || IN6_IS_ADDR_V4MAPPED(a6))
				continue;
			addr = (const uint8_t *)a6;
			if (in_prefix(&a->cfg.network_cidr6, AF_INET6, addr))
				continue;
		} else {
			continue;
		}
		memset(e, 0, sizeof(*e));
		e->addr.family = family;
		e->kind = WIRE_MESH_EP_LOCAL;
		e->port = a->port;
		memcpy(e->addr.u.bytes, addr, family == AF_INET ? 4 : 16);
		out->n++;
	}
	freeifaddrs(ifa);
}

/* ---- our record -------------------------------------------------------- */

static int sign_self(struct agent *a, bool leave, uint64_t seq_floor)
{
	struct mesh *m = a->mesh;
	struct member_result res;
	struct member_self f;
	time_t now = time(NULL);
	int ret;

	memset(&f, 0, sizeof(f));
	f.cert_der = a->cert_der;
	f.cert_len = a->cert_len;
	f.expiry = (uint64_t)now + MESH_RECORD_TTL_S;
	f.roles = a->me.roles;
	f.leave = leave;
	if (!leave) {
		f.n_endpoints = m->self_ep.n;
		f.ep = m->self_ep.ep;
		f.n_prefixes = a->cfg.n_advertise;
		f.prefixes = a->cfg.advertise_routes;
	}
	if (seq_floor < (uint64_t)now << 16)
		seq_floor = (uint64_t)now << 16;
	ret = member_self_record(&m->members, a->id.key, &f, seq_floor, now,
				 &res);
	if (ret) {
		log_err("mesh: cannot sign our record: %s", strerror(-ret));
		return ret;
	}
	m->self_seq = res.seq;
	m->self_signed = now;
	log_debug("mesh: our record, seq %llu, %u endpoint(s)%s",
		  (unsigned long long)res.seq, f.n_endpoints,
		  leave ? ", leaving" : "");
	mesh_gossip_flood(a, res.m->rec, NULL);
	if (!leave)
		mesh_route_self_signed(a);
	return 0;
}

void mesh_self_changed(struct agent *a)
{
	if (a->mesh && a->mesh->on)
		sign_self(a, false, 0);
}

void mesh_self_route_seqno(struct agent *a, uint16_t seqno)
{
	uint64_t hi = a->mesh->self_seq >> 16;
	uint16_t ahead = (uint16_t)(seqno - (uint16_t)hi);

	/* Only forwards (rib_seqno_newer()): our record covers the rest. */
	if (ahead && ahead < 0x8000)
		sign_self(a, false, (hi + ahead) << 16);
}

static void on_refresh(struct timer *t, uint64_t now)
{
	struct mesh *m = container_of(t, struct mesh, t_refresh);
	struct agent *a = m->a;
	struct mesh_self_ep ep;

	a->now = now;
	self_endpoints(a, &ep);
	if (ep.n != m->self_ep.n ||
	    memcmp(ep.ep, m->self_ep.ep, ep.n * sizeof(ep.ep[0])) ||
	    time(NULL) - m->self_signed >= MESH_REFRESH_S) {
		m->self_ep = ep;
		sign_self(a, false, 0);
	}
	timer_arm(&a->timers, t, now + REFRESH_CHECK_MS);
}

static void on_sync(struct timer *t, uint64_t now)
{
	struct mesh *m = container_of(t, struct mesh, t_sync);
	struct agent *a = m->a;

	a->now = now;
	mesh_gossip_expire(a, now);
	mesh_expire_members(a);
	mesh_gossip_sync(a);
	timer_arm(&a->timers, t, now + jitter(MESH_SYNC_MS));
}

void mesh_expire_members(struct agent *a)
{
	struct mesh *m = a->mesh;
	uint8_t gone[16][WIRE_MESH_ID_LEN];
	size_t n;

	do {
		n = member_expire(&m->members, &m->trust, time(NULL), gone,
				  ARRAY_SIZE(gone));
	} while (n == ARRAY_SIZE(gone));
}

static void on_conn(struct timer *t, uint64_t now)
{
	struct mesh *m = container_of(t, struct mesh, t_conn);
	struct agent *a = m->a;

	a->now = now;
	mesh_conn_select(a);
	timer_arm(&a->timers, t, now + jitter(MESH_CONN_MS));
}

/* ---- life cycle -------------------------------------------------------- */

int mesh_init(struct agent *a)
{
	struct mesh *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	if (member_table_init(&m->members, a->id.node_id)) {
		free(m);
		return -ENOMEM;
	}
	m->a = a;
	m->on = a->cfg.auto_discovery;
	m->trust.ca = a->ca;
	m->trust.revoked = mesh_revoked;
	m->trust.ctx = a;
	timer_init(&m->t_refresh, on_refresh);
	timer_init(&m->t_sync, on_sync);
	timer_init(&m->t_conn, on_conn);
	a->mesh = m;
	return 0;
}

void mesh_start(struct agent *a)
{
	struct mesh *m = a->mesh;

	if (!m || !m->on)
		return;
	self_endpoints(a, &m->self_ep);
	if (!m->self_ep.n)
		log_warn("mesh: no address to publish: members will reach this node only through sessions it opens");
	sign_self(a, false, 0);
	if (a->cfg.mesh_routing && mesh_route_start(a))
		log_warn("mesh: no memory for routing: direct sessions only");
	timer_arm(&a->timers, &m->t_refresh, a->now + REFRESH_CHECK_MS);
	timer_arm(&a->timers, &m->t_sync, a->now + jitter(MESH_SYNC_MS));
	timer_arm(&a->timers, &m->t_conn, a->now + jitter(MESH_CONN_MS));
}

void mesh_stop(struct agent *a)
{
	if (a->mesh && a->mesh->on && a->mesh->self_seq)
		sign_self(a, true, 0);
}

void mesh_free(struct agent *a)
{
	struct mesh *m = a->mesh;
	unsigned int i;

	if (!m)
		return;
	timer_cancel(&a->timers, &m->t_refresh);
	timer_cancel(&a->timers, &m->t_sync);
	timer_cancel(&a->timers, &m->t_conn);
	mesh_route_free(a);
	for (i = 0; i < MESH_MAX_OBJS; i++)
		free(m->objs[i].data);
	member_table_free(&m->members);
	free(m);
	a->mesh = NULL;
}

/* ---- peers ------------------------------------------------------------- */

struct mesh_link *mesh_link_get(struct peer *p)
{
	if (!p->mesh) {
		p->mesh = calloc(1, sizeof(*p->mesh));
		if (p->mesh)
			digest_diff_init(&p->mesh->diff);
	}
	return p->mesh;
}

void mesh_peer_up(struct agent *a, struct peer *p, bool fresh)
{
	struct mesh *m = a->mesh;

	if (!m || !m->on || !p->chan[PEER_CHAN_CUR].valid || !mesh_link_get(p))
		return;
	/* A session through relays is end to end, not a link: the mesh
	 * talks only to neighbours it reaches directly. */
	if (p->has_via)
		return;
	if (p->mesh->up && !fresh)
		return;		/* a rotation: nothing new to say */
	p->mesh->up = true;
	p->mesh->up_ms = a->now;
	mesh_gossip_greet(a, p);
	mesh_route_peer_up(a, p);
}

void mesh_peer_down(struct agent *a, struct peer *p)
{
	if (!p->mesh)
		return;
	mesh_route_peer_down(a, p);
	p->mesh->up = false;
}

void mesh_peer_free(struct agent *a, struct peer *p)
{
	if (!p->mesh)
		return;
	mesh_route_peer_down(a, p);
	digest_diff_free(&p->mesh->diff);
	free(p->mesh);
	p->mesh = NULL;
}
