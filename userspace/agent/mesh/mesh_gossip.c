// SPDX-License-Identifier: MIT
/*
 * Gossip (mesh.h): node records pushed and forwarded, certificates and
 * revocation lists fetched as objects, and the digest exchange that
 * repairs what pushes missed.
 */
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/agent.h"
#include "core/log.h"
#include "hex.h"
#include "mesh/mesh.h"
#include "peer/peer.h"
#include "session/session.h"
#include "trust/revoke.h"

static const uint8_t zero_key[WIRE_MESH_ID_LEN];

bool mesh_revoked(void *ctx, const uint8_t *id)
{
	const struct agent *a = ctx;

	return revoke_contains(&a->revoked, id);
}

static uint64_t crl_version(const struct agent *a)
{
	return a->revoked.bytes ? a->revoked.crl.version : 0;
}

static void send_record(struct mesh_out *o, const struct member_record *r)
{
	mesh_out_add(o, WIRE_MESH_NODE_RECORD, r->bytes, r->len);
	o->a->mesh->stats.records_sent++;
}

void mesh_gossip_flood(struct agent *a, const struct member_record *r,
		       const struct peer *except)
{
	struct mesh_out o;
	struct peer *p;

	for (p = peer_first(&a->peers); p; p = peer_next(p)) {
		if (p == except || !mesh_is_neighbour(p))
			continue;
		mesh_out_begin(&o, a, p);
		send_record(&o, r);
		mesh_out_flush(&o);
	}
}

/* Our digest summary and list version, to one neighbour. */
static void put_summary(struct mesh_out *o)
{
	struct wire_mesh_digest_summary s;

	digest_summary(&o->a->mesh->members.digest, &s);
	mesh_out_put(o, wire_mesh_put_digest_summary, &s);
	if (wire_mesh_put_revocation_version(&o->b, crl_version(o->a)) ==
	    -EMSGSIZE) {
		mesh_out_flush(o);
		wire_mesh_put_revocation_version(&o->b, crl_version(o->a));
	}
}

void mesh_gossip_greet(struct agent *a, struct peer *p)
{
	struct member *self = member_find(&a->mesh->members, a->id.node_id);
	struct mesh_out o;

	mesh_out_begin(&o, a, p);
	if (self && self->rec)
		send_record(&o, self->rec);
	put_summary(&o);
	mesh_out_flush(&o);
}

void mesh_gossip_sync(struct agent *a)
{
	struct peer *p, *pick = NULL;
	unsigned int n = 0;
	struct mesh_out o;

	/* A neighbour at random (reservoir sampling over the list). */
	for (p = peer_first(&a->peers); p; p = peer_next(p)) {
		uint32_t r;

		if (!mesh_is_neighbour(p))
			continue;
		n++;
		if (RAND_bytes((uint8_t *)&r, sizeof(r)) != 1)
			r = 0;
		if (r % n == 0)
			pick = p;
	}
	if (!pick)
		return;
	a->mesh->stats.sync_rounds++;
	mesh_out_begin(&o, a, pick);
	put_summary(&o);
	mesh_out_flush(&o);
}

/* ---- objects: certificates and revocation lists, in chunks -------------- */

static uint32_t obj_max(uint8_t kind)
{
	return kind == WIRE_MESH_OBJ_CERT ? WIRE_MAX_CERT : WIRE_MESH_MAX_CRL;
}

static struct mesh_obj *obj_find(struct mesh *m, uint8_t kind,
				 const uint8_t *key)
{
	unsigned int i;

	for (i = 0; i < MESH_MAX_OBJS; i++)
		if (m->objs[i].used && m->objs[i].kind == kind &&
		    !memcmp(m->objs[i].key, key, WIRE_MESH_ID_LEN))
			return &m->objs[i];
	return NULL;
}

static void obj_drop(struct mesh_obj *ob)
{
	free(ob->data);
	memset(ob, 0, sizeof(*ob));
}

/* Ask from for an object (total 0: not known yet), unless asked already. */
static void obj_request(struct agent *a, struct peer *from, uint8_t kind,
			const uint8_t *key, uint32_t total)
{
	struct mesh *m = a->mesh;
	struct wire_mesh_object_request req;
	struct mesh_obj *ob = obj_find(m, kind, key);
	struct mesh_out o;
	unsigned int i;

	if (ob)
		return;		/* in flight; it expires if it never comes */
	for (i = 0; i < MESH_MAX_OBJS && m->objs[i].used; i++)
		;
	if (i == MESH_MAX_OBJS) {
		m->stats.obj_refused++;
		return;
	}
	ob = &m->objs[i];
	ob->used = true;
	ob->kind = kind;
	memcpy(ob->key, key, WIRE_MESH_ID_LEN);
	ob->total = total;
	ob->started_ms = a->now;
	memset(&req, 0, sizeof(req));
	req.kind = kind;
	req.key = key;
	mesh_out_begin(&o, a, from);
	mesh_out_put(&o, wire_mesh_put_object_request, &req);
	mesh_out_flush(&o);
}

void mesh_gossip_expire(struct agent *a, uint64_t now)
{
	struct mesh *m = a->mesh;
	unsigned int i;

	for (i = 0; i < MESH_MAX_OBJS; i++) {
		if (m->objs[i].used &&
		    now - m->objs[i].started_ms > MESH_OBJ_TTL_MS) {
			obj_drop(&m->objs[i]);
			m->stats.obj_expired++;
		}
	}
}

/* bytes [off, off + len) of an object, as chunks. */
static void send_object(struct mesh_out *o, uint8_t kind, const uint8_t *key,
			const uint8_t *obj, uint32_t total, uint32_t off,
			uint32_t len)
{
	struct wire_mesh_object_chunk c;

	if (off >= total)
		return;
	if (!len || len > total - off)
		len = total - off;
	while (len) {
		size_t room = wire_mesh_chunk_room(&o->b);

		if (room < 64) {
			mesh_out_flush(o);
			room = wire_mesh_chunk_room(&o->b);
		}
		memset(&c, 0, sizeof(c));
		c.kind = kind;
		c.key = key;
		c.total = total;
		c.offset = off;
		c.data = obj + off;
		c.data_len = len < room ? len : room;
		if (wire_mesh_put_object_chunk(&o->b, &c))
			return;
		o->msgs++;
		off += (uint32_t)c.data_len;
		len -= (uint32_t)c.data_len;
	}
}

static void on_object_request(struct agent *a, struct peer *from,
			      const struct wire_mesh_object_request *r)
{
	struct mesh *m = a->mesh;
	struct mesh_out o;

	mesh_out_begin(&o, a, from);
	if (r->kind == WIRE_MESH_OBJ_CERT) {
		const struct member_cert *c = member_cert_find(&m->members,
							       r->key);

		if (!c)
			return;
		send_object(&o, r->kind, r->key, c->der, (uint32_t)c->der_len,
			    r->offset, r->length);
		m->stats.certs_sent++;
	} else if (r->kind == WIRE_MESH_OBJ_CRL && a->revoked.bytes) {
		/* Asked for as "the newest" (zero key): keyed so again. */
		send_object(&o, r->kind, zero_key, a->revoked.bytes,
			    (uint32_t)a->revoked.len, r->offset, r->length);
		m->stats.crls_sent++;
	}
	mesh_out_flush(&o);
}

static void record_accepted(struct agent *a, struct peer *from,
			    const struct member_result *res)
{
	char name[AEGIS_NODE_ID_SHORT_SIZE];

	if (!res->old_seq)
		log_info("mesh: member %s joined (seq %llu)",
			 aegis_node_id_short(res->origin, name),
			 (unsigned long long)res->seq);
	else if (res->leave)
		log_info("mesh: member %s left",
			 aegis_node_id_short(res->origin, name));
	mesh_gossip_flood(a, res->m->rec, from);
	mesh_conn_member(a, res->m);
	mesh_route_record_came(a, res->origin);
}

/*
 * A newer list learnt from the mesh is kept in the state directory
 * (revocation_state_path()), so that a restart puts it in force again
 * even when no neighbour has it. A small file, written once per list.
 */
static void crl_keep(struct agent *a, const uint8_t *der, size_t len)
{
	char path[PATH_MAX + 16], err[PATH_MAX + 128];

	if (revocation_state_path(a, path, sizeof(path)) ||
	    (mkdir(a->cfg.state_directory, 0700) && errno != EEXIST)) {
		log_warn("mesh: the revocation list from the mesh is in force but not kept: %s: %s",
			 a->cfg.state_directory, strerror(errno));
		return;
	}
	if (revoke_save(path, der, len, err, sizeof(err)))
		log_warn("mesh: the revocation list from the mesh is in force but not kept: %s",
			 err);
}

/* A newer revocation list is in force: who must go goes now. */
static void crl_adopt(struct agent *a, struct revoke_list *next)
{
	struct mesh *m = a->mesh;
	unsigned int ended;

	log_info("mesh: revocation list version %llu from the mesh: %u node%s revoked",
		 (unsigned long long)next->crl.version, next->crl.n,
		 next->crl.n == 1 ? "" : "s");
	ended = session_revoke(a, next);
	if (ended)
		log_info("revocation: %u session%s ended", ended,
			 ended == 1 ? "" : "s");
	m->stats.crl_adopted++;
	mesh_gossip_crl_changed(a);
}

void mesh_gossip_crl_changed(struct agent *a)
{
	struct mesh_out o;
	struct peer *p;

	if (!a->mesh || !a->mesh->on)
		return;
	/* Revoked members go from the table (and their records with them). */
	mesh_expire_members(a);
	for (p = peer_first(&a->peers); p; p = peer_next(p)) {
		if (!mesh_is_neighbour(p) ||
		    p->mesh->crl_version >= crl_version(a))
			continue;
		mesh_out_begin(&o, a, p);
		if (wire_mesh_put_revocation_version(&o.b, crl_version(a)) == 0)
			mesh_out_flush(&o);
	}
}

/* A whole object arrived: check it and use it. */
static void object_done(struct agent *a, struct peer *from,
			struct mesh_obj *ob)
{
	struct mesh *m = a->mesh;

	if (ob->kind == WIRE_MESH_OBJ_CERT) {
		struct member_result res;
		unsigned int hlen = 0;
		uint8_t hash[32];

		if (EVP_Digest(ob->data, ob->total, hash, &hlen, EVP_sha256(),
			       NULL) != 1 ||
		    memcmp(hash, ob->key, sizeof(hash))) {
			m->stats.obj_refused++;
			return;
		}
		member_add_cert(&m->members, &m->trust, ob->data, ob->total,
				time(NULL), &res);
		if (res.waited && res.verdict == MEMBER_ACCEPTED)
			record_accepted(a, from, &res);
	} else {
		struct revoke_list next = { 0 };
		char err[256];

		if (revoke_parse(ob->data, ob->total, a->ca, &next, err,
				 sizeof(err))) {
			m->stats.crl_refused++;
			log_warn("mesh: revocation list from %s refused: %s",
				 from->cert.name, err);
			return;
		}
		if (next.crl.version <= crl_version(a)) {
			revoke_free(&next);
			return;
		}
		crl_keep(a, ob->data, ob->total);
		/* It may end from's session: nothing of from after this. */
		crl_adopt(a, &next);
	}
}

/* Returns true if from may have been freed (a list revoked it). */
static bool on_chunk(struct agent *a, struct peer *from,
		     const struct wire_mesh_object_chunk *c)
{
	struct mesh *m = a->mesh;
	struct mesh_obj *ob = obj_find(m, c->kind, c->key);
	struct mesh_obj done;

	if (!ob || c->total > obj_max(c->kind) ||
	    (ob->total && c->total != ob->total)) {
		m->stats.obj_refused++;	/* not asked for, or not as asked */
		return false;
	}
	if (!ob->data) {
		ob->data = malloc(c->total);
		if (!ob->data) {
			obj_drop(ob);
			return false;
		}
		ob->total = c->total;
	}
	/* Only what extends the bytes held: a gap waits for a re-request. */
	if (c->offset > ob->have || c->offset + c->data_len <= ob->have)
		return false;
	memcpy(ob->data + c->offset, c->data, c->data_len);
	ob->have = c->offset + (uint32_t)c->data_len;
	if (ob->have < ob->total)
		return false;
	done = *ob;
	memset(ob, 0, sizeof(*ob));	/* the slot is free again */
	object_done(a, from, &done);
	free(done.data);
	return done.kind == WIRE_MESH_OBJ_CRL;
}

/* ---- records ------------------------------------------------------------ */

static void on_record(struct agent *a, struct peer *from, const uint8_t *b,
		      size_t len)
{
	struct mesh *m = a->mesh;
	struct member_result res;

	switch (member_accept_record(&m->members, &m->trust, b, len,
				     time(NULL), &res)) {
	case MEMBER_ACCEPTED:
		record_accepted(a, from, &res);
		break;
	case MEMBER_NO_CERT:
		if (res.want_cert)
			obj_request(a, from, WIRE_MESH_OBJ_CERT, res.cert_hash,
				    res.cert_len);
		break;
	case MEMBER_OWN:
		/* An earlier run of ours: ours must be newer. */
		mesh_self_changed(a);
		break;
	default:
		break;		/* counted by the member table */
	}
}

static void on_record_request(struct agent *a, struct peer *from,
			      const struct wire_mesh_record_request *r)
{
	struct mesh *m = a->mesh;
	struct mesh_out o;
	unsigned int i;

	mesh_out_begin(&o, a, from);
	for (i = 0; i < r->n; i++) {
		struct member *mm = member_find(&m->members, r->e[i].origin);

		if (!mm || !mm->rec)
			continue;
		if ((r->e[i].want & WIRE_MESH_WANT_RECORD) &&
		    mm->rec->seq > r->e[i].have_seq)
			send_record(&o, mm->rec);
		if ((r->e[i].want & WIRE_MESH_WANT_CERT) && mm->cert) {
			send_object(&o, WIRE_MESH_OBJ_CERT, mm->cert->hash,
				    mm->cert->der, (uint32_t)mm->cert->der_len,
				    0, 0);
			m->stats.certs_sent++;
		}
	}
	mesh_out_flush(&o);
}

/* ---- anti-entropy ------------------------------------------------------- */

static void on_summary(struct agent *a, struct peer *from,
		       const struct wire_mesh_digest_summary *s)
{
	struct wire_mesh_digest_request req;
	struct mesh_out o;

	if (digest_summary_equal(&a->mesh->members.digest, s))
		return;
	a->mesh->stats.sync_diff++;
	if (from->mesh->n_walks)
		return;		/* an exchange with it is under way */
	memset(&req, 0, sizeof(req));
	req.what = WIRE_MESH_DIGEST_WANT_BUCKETS;
	req.first = 0;
	req.last = WIRE_MESH_N_BUCKETS - 1;
	mesh_out_begin(&o, a, from);
	mesh_out_put(&o, wire_mesh_put_digest_request, &req);
	mesh_out_flush(&o);
}

static void on_digest_request(struct agent *a, struct peer *from,
			      const struct wire_mesh_digest_request *r)
{
	const struct digest *d = &a->mesh->members.digest;
	struct mesh_out o;

	mesh_out_begin(&o, a, from);
	if (r->what == WIRE_MESH_DIGEST_WANT_BUCKETS) {
		unsigned int b = r->first;

		while (b <= r->last) {
			struct wire_mesh_digest_buckets mb;
			unsigned int n = r->last - b + 1;

			if (n > WIRE_MESH_MAX_DIGEST_BUCKETS)
				n = WIRE_MESH_MAX_DIGEST_BUCKETS;
			if (digest_buckets(d, b, n, &mb))
				break;
			mesh_out_put(&o, wire_mesh_put_digest_buckets, &mb);
			b += n;
		}
	} else {
		struct wire_mesh_digest_entries me;

		if (!digest_entries(d, r->first, r->last, r->offset, &me))
			mesh_out_put(&o, wire_mesh_put_digest_entries, &me);
	}
	mesh_out_flush(&o);
}

static void send_walk_request(struct mesh_out *o, const struct digest_walk *w)
{
	mesh_out_put(o, wire_mesh_put_digest_request, &w->req);
}

static void on_buckets(struct agent *a, struct peer *from,
		       const struct wire_mesh_digest_buckets *mb)
{
	struct wire_mesh_digest_request req[MESH_MAX_WALKS];
	struct mesh_link *l = from->mesh;
	unsigned int n, i;
	struct mesh_out o;

	if (l->n_walks >= MESH_MAX_WALKS)
		return;
	n = digest_buckets_diff(&a->mesh->members.digest, mb, req,
				MESH_MAX_WALKS - l->n_walks);
	mesh_out_begin(&o, a, from);
	for (i = 0; i < n; i++) {
		struct digest_walk *w = &l->walk[l->n_walks++];

		digest_walk_from(w, &req[i]);
		send_walk_request(&o, w);
	}
	mesh_out_flush(&o);
}

/* What a finished page asks for: records we lack, records it lacks. */
static void act_on_diff(struct agent *a, struct peer *from,
			struct mesh_out *o)
{
	struct mesh *m = a->mesh;
	struct digest_diff *x = &from->mesh->diff;
	struct wire_mesh_record_request rr;
	size_t i;

	memset(&rr, 0, sizeof(rr));
	for (i = 0; i < x->n_want; i++) {
		rr.e[rr.n].origin = x->want[i].id;
		rr.e[rr.n].have_seq = x->want[i].have_seq;
		rr.e[rr.n].want = WIRE_MESH_WANT_RECORD;
		rr.n++;
		m->stats.requests_sent++;
		if (rr.n == WIRE_MESH_MAX_REQUESTS) {
			mesh_out_put(o, wire_mesh_put_record_request, &rr);
			rr.n = 0;
		}
	}
	if (rr.n)
		mesh_out_put(o, wire_mesh_put_record_request, &rr);
	for (i = 0; i < x->n_push; i++) {
		struct member *mm = member_find(&m->members, x->push[i].id);

		if (mm && mm->rec)
			send_record(o, mm->rec);
	}
	digest_diff_reset(x);
}

static void on_entries(struct agent *a, struct peer *from,
		       const struct wire_mesh_digest_entries *me)
{
	struct mesh_link *l = from->mesh;
	struct digest_walk *w = NULL;
	struct mesh_out o;
	unsigned int i;

	for (i = 0; i < l->n_walks; i++) {
		if (l->walk[i].req.first == me->first_bucket &&
		    l->walk[i].req.last == me->last_bucket &&
		    l->walk[i].req.offset == me->offset) {
			w = &l->walk[i];
			break;
		}
	}
	if (!w)
		return;		/* not an answer to anything we asked */
	mesh_out_begin(&o, a, from);
	if (digest_entries_diff(&a->mesh->members.digest, w, me, &l->diff))
		w->done = true;
	act_on_diff(a, from, &o);
	if (w->done)
		l->walk[i] = l->walk[--l->n_walks];
	else
		send_walk_request(&o, w);
	mesh_out_flush(&o);
}

static void on_crl_version(struct agent *a, struct peer *from, uint64_t v)
{
	struct mesh_out o;

	from->mesh->crl_version = v;
	if (v > crl_version(a)) {
		obj_request(a, from, WIRE_MESH_OBJ_CRL, zero_key, 0);
	} else if (v < crl_version(a)) {
		mesh_out_begin(&o, a, from);
		if (!wire_mesh_put_revocation_version(&o.b, crl_version(a)))
			mesh_out_flush(&o);
	}
}

/* ---- dispatch ----------------------------------------------------------- */

bool mesh_gossip_on_msg(struct agent *a, struct peer *from,
			const struct wire_mesh_tlv *t)
{
	union {
		struct wire_mesh_record_request rr;
		struct wire_mesh_digest_summary s;
		struct wire_mesh_digest_buckets b;
		struct wire_mesh_digest_entries e;
		struct wire_mesh_digest_request dr;
		struct wire_mesh_object_chunk c;
		struct wire_mesh_object_request or;
		uint64_t v;
	} u;

	switch (t->type) {
	case WIRE_MESH_NODE_RECORD:
		on_record(a, from, t->body, t->len);
		break;
	case WIRE_MESH_RECORD_REQUEST:
		if (!wire_mesh_parse_record_request(t->body, t->len, &u.rr))
			on_record_request(a, from, &u.rr);
		break;
	case WIRE_MESH_DIGEST_SUMMARY:
		if (!wire_mesh_parse_digest_summary(t->body, t->len, &u.s))
			on_summary(a, from, &u.s);
		break;
	case WIRE_MESH_DIGEST_BUCKETS:
		if (!wire_mesh_parse_digest_buckets(t->body, t->len, &u.b))
			on_buckets(a, from, &u.b);
		break;
	case WIRE_MESH_DIGEST_ENTRIES:
		if (!wire_mesh_parse_digest_entries(t->body, t->len, &u.e))
			on_entries(a, from, &u.e);
		break;
	case WIRE_MESH_DIGEST_REQUEST:
		if (!wire_mesh_parse_digest_request(t->body, t->len, &u.dr))
			on_digest_request(a, from, &u.dr);
		break;
	case WIRE_MESH_REVOCATION_VERSION:
		if (!wire_mesh_parse_revocation_version(t->body, t->len, &u.v))
			on_crl_version(a, from, u.v);
		break;
	case WIRE_MESH_OBJECT_CHUNK:
		if (!wire_mesh_parse_object_chunk(t->body, t->len, &u.c))
			return on_chunk(a, from, &u.c);
		break;
	case WIRE_MESH_OBJECT_REQUEST:
		if (!wire_mesh_parse_object_request(t->body, t->len, &u.or))
			on_object_request(a, from, &u.or);
		break;
	default:
		break;		/* not handled yet: counted by type */
	}
	return false;
}
