// SPDX-License-Identifier: MIT
/*
 * Anti-entropy digests (digest.h): 256 sorted buckets of (id, seq), each
 * with the XOR of its e values, and the XOR of all of them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "member/digest.h"

#define ID	WIRE_MESH_ID_LEN

static void xor_into(uint8_t *dst, const uint8_t *src)
{
	unsigned int i;

	for (i = 0; i < DIGEST_E_LEN; i++)
		dst[i] ^= src[i];
}

void digest_init(struct digest *d)
{
	memset(d, 0, sizeof(*d));
}

void digest_free(struct digest *d)
{
	unsigned int i;

	for (i = 0; i < WIRE_MESH_N_BUCKETS; i++)
		free(d->b[i].e);
	memset(d, 0, sizeof(*d));
}

int digest_e(const uint8_t *id, uint64_t seq, uint8_t e[DIGEST_E_LEN])
{
	uint8_t in[sizeof(DIGEST_LABEL) - 1 + ID + 8];
	size_t off = sizeof(DIGEST_LABEL) - 1;
	int i;

	memcpy(in, DIGEST_LABEL, off);
	memcpy(in + off, id, ID);
	off += ID;
	for (i = 0; i < 8; i++)
		in[off + i] = (uint8_t)(seq >> (56 - 8 * i));
	return SHA256(in, sizeof(in), e) ? 0 : -EIO;
}

/* Index of the first entry of b whose id is >= id. */
static uint32_t lower_bound(const struct digest_bucket *b, const uint8_t *id)
{
	uint32_t lo = 0, hi = b->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (memcmp(b->e[mid].id, id, ID) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int bucket_reserve(struct digest_bucket *b)
{
	struct digest_entry *e;
	uint32_t cap;

	if (b->n < b->cap)
		return 0;
	cap = b->cap ? b->cap * 2 : 8;
	e = realloc(b->e, (size_t)cap * sizeof(*e));
	if (!e)
		return -ENOMEM;
	b->e = e;
	b->cap = cap;
	return 0;
}

int digest_set(struct digest *d, const uint8_t *id, uint64_t seq)
{
	struct digest_bucket *b = &d->b[wire_mesh_bucket(id)];
	uint32_t i = lower_bound(b, id);
	bool found = i < b->n && !memcmp(b->e[i].id, id, ID);
	uint8_t eo[DIGEST_E_LEN], en[DIGEST_E_LEN];

	if (!found && !seq)
		return -ENOENT;
	if (found && b->e[i].seq == seq)
		return 0;
	if (!found && bucket_reserve(b))
		return -ENOMEM;
	if ((found && digest_e(id, b->e[i].seq, eo)) ||
	    (seq && digest_e(id, seq, en)))
		return -EIO;
	if (found) {
		xor_into(b->x, eo);
		xor_into(d->x, eo);
	}
	if (seq) {
		xor_into(b->x, en);
		xor_into(d->x, en);
	}
	if (found && seq) {
		b->e[i].seq = seq;
	} else if (found) {
		memmove(&b->e[i], &b->e[i + 1],
			(size_t)(b->n - i - 1) * sizeof(b->e[0]));
		b->n--;
		d->members--;
	} else {
		memmove(&b->e[i + 1], &b->e[i],
			(size_t)(b->n - i) * sizeof(b->e[0]));
		memcpy(b->e[i].id, id, ID);
		b->e[i].seq = seq;
		b->n++;
		d->members++;
	}
	return 0;
}

uint64_t digest_get(const struct digest *d, const uint8_t *id)
{
	const struct digest_bucket *b = &d->b[wire_mesh_bucket(id)];
	uint32_t i = lower_bound(b, id);

	if (i < b->n && !memcmp(b->e[i].id, id, ID))
		return b->e[i].seq;
	return 0;
}

size_t digest_mem(const struct digest *d)
{
	size_t sum = 0;
	unsigned int i;

	for (i = 0; i < WIRE_MESH_N_BUCKETS; i++)
		sum += (size_t)d->b[i].cap * sizeof(struct digest_entry);
	return sum;
}

int digest_check(const struct digest *d)
{
	uint8_t all[DIGEST_E_LEN] = { 0 }, e[DIGEST_E_LEN];
	uint32_t members = 0;
	unsigned int i;
	uint32_t j;

	for (i = 0; i < WIRE_MESH_N_BUCKETS; i++) {
		const struct digest_bucket *b = &d->b[i];
		uint8_t x[DIGEST_E_LEN] = { 0 };

		for (j = 0; j < b->n; j++) {
			if (b->e[j].id[0] != i || !b->e[j].seq ||
			    (j && memcmp(b->e[j - 1].id, b->e[j].id, ID) >= 0))
				return -EBADMSG;
			if (digest_e(b->e[j].id, b->e[j].seq, e))
				return -EIO;
			xor_into(x, e);
		}
		if (memcmp(x, b->x, DIGEST_E_LEN))
			return -EBADMSG;
		xor_into(all, x);
		members += b->n;
	}
	if (members != d->members || memcmp(all, d->x, DIGEST_E_LEN))
		return -EBADMSG;
	return 0;
}

/* ---- messages out ------------------------------------------------------ */

void digest_summary(const struct digest *d, struct wire_mesh_digest_summary *m)
{
	m->members = d->members;
	m->set_hash = d->x;
}

int digest_buckets(const struct digest *d, unsigned int first, unsigned int n,
		   struct wire_mesh_digest_buckets *m)
{
	unsigned int i;

	if (!n || n > WIRE_MESH_MAX_DIGEST_BUCKETS ||
	    first + n > WIRE_MESH_N_BUCKETS)
		return -EINVAL;
	m->first = (uint8_t)first;
	m->n = n;
	for (i = 0; i < n; i++) {
		const struct digest_bucket *b = &d->b[first + i];

		m->b[i].members = b->n > 0xffff ? 0xffff : (uint16_t)b->n;
		m->b[i].hash = b->x;
	}
	return 0;
}

int digest_entries(const struct digest *d, unsigned int first,
		   unsigned int last, uint32_t offset,
		   struct wire_mesh_digest_entries *m)
{
	uint32_t total = 0, skip = offset, j;
	unsigned int i;

	if (first > last || last >= WIRE_MESH_N_BUCKETS)
		return -EINVAL;
	for (i = first; i <= last; i++)
		total += d->b[i].n;
	m->first_bucket = (uint8_t)first;
	m->last_bucket = (uint8_t)last;
	m->total = total;
	m->offset = offset > total ? total : offset;
	m->n = 0;
	for (i = first; i <= last && m->n < WIRE_MESH_MAX_DIGEST_ENTRIES; i++) {
		const struct digest_bucket *b = &d->b[i];

		if (skip >= b->n) {
			skip -= b->n;
			continue;
		}
		for (j = skip; j < b->n && m->n < WIRE_MESH_MAX_DIGEST_ENTRIES;
		     j++) {
			m->e[m->n].origin = b->e[j].id;
			m->e[m->n].seq = b->e[j].seq;
			m->n++;
		}
		skip = 0;
	}
	return 0;
}

/* ---- comparing --------------------------------------------------------- */

bool digest_summary_equal(const struct digest *d,
			  const struct wire_mesh_digest_summary *m)
{
	return m->members == d->members &&
	       !memcmp(m->set_hash, d->x, WIRE_MESH_SET_HASH_LEN);
}

unsigned int digest_buckets_diff(const struct digest *d,
				 const struct wire_mesh_digest_buckets *m,
				 struct wire_mesh_digest_request *req,
				 unsigned int max)
{
	unsigned int i, n = 0;
	bool in_run = false;

	for (i = 0; i < m->n && m->first + i < WIRE_MESH_N_BUCKETS; i++) {
		const struct digest_bucket *b = &d->b[m->first + i];
		uint16_t count = b->n > 0xffff ? 0xffff : (uint16_t)b->n;
		bool differ = m->b[i].members != count ||
			      memcmp(m->b[i].hash, b->x,
				     WIRE_MESH_BUCKET_HASH_LEN);

		if (!differ) {
			in_run = false;
			continue;
		}
		if (in_run) {
			req[n - 1].last = (uint8_t)(m->first + i);
			continue;
		}
		if (n == max)
			break;
		req[n].what = WIRE_MESH_DIGEST_WANT_ENTRIES;
		req[n].first = (uint8_t)(m->first + i);
		req[n].last = (uint8_t)(m->first + i);
		req[n].offset = 0;
		n++;
		in_run = true;
	}
	return n;
}

void digest_diff_init(struct digest_diff *x)
{
	memset(x, 0, sizeof(*x));
}

void digest_diff_reset(struct digest_diff *x)
{
	x->n_want = 0;
	x->n_push = 0;
}

void digest_diff_free(struct digest_diff *x)
{
	free(x->want);
	free(x->push);
	memset(x, 0, sizeof(*x));
}

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *p;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 32;
	p = realloc(*arr, c * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

static int add_want(struct digest_diff *x, const uint8_t *id, uint64_t have,
		    uint64_t seq)
{
	struct digest_want *w;

	if (grow((void **)&x->want, &x->cap_want, x->n_want, sizeof(*w)))
		return -ENOMEM;
	w = &x->want[x->n_want++];
	memcpy(w->id, id, ID);
	w->have_seq = have;
	w->seq = seq;
	return 0;
}

static int add_push(struct digest_diff *x, const uint8_t *id, uint64_t seq)
{
	struct digest_push *p;

	if (grow((void **)&x->push, &x->cap_push, x->n_push, sizeof(*p)))
		return -ENOMEM;
	p = &x->push[x->n_push++];
	memcpy(p->id, id, ID);
	p->seq = seq;
	return 0;
}

void digest_walk_start(struct digest_walk *w, unsigned int first,
		       unsigned int last)
{
	memset(w, 0, sizeof(*w));
	w->req.what = WIRE_MESH_DIGEST_WANT_ENTRIES;
	w->req.first = (uint8_t)first;
	w->req.last = (uint8_t)last;
	w->done = first > last || last >= WIRE_MESH_N_BUCKETS;
}

void digest_walk_from(struct digest_walk *w,
		      const struct wire_mesh_digest_request *req)
{
	digest_walk_start(w, req->first, req->last);
}

/*
 * Our entries in the id range [lo, hi] of buckets [first, last] (lo NULL:
 * from the start of first, lo_excl: ids > lo; hi NULL: to the end of
 * last), merged against the peer's sorted page: push those the page lacks
 * or holds older.
 */
static int push_range(const struct digest *d, unsigned int first,
		      unsigned int last, const uint8_t *lo, bool lo_excl,
		      const uint8_t *hi,
		      const struct wire_mesh_digest_entries *m,
		      struct digest_diff *x)
{
	unsigned int i = lo ? wire_mesh_bucket(lo) : first, k = 0;

	for (; i <= last; i++) {
		const struct digest_bucket *b = &d->b[i];
		uint32_t j = 0;

		if (lo && i == wire_mesh_bucket(lo)) {
			j = lower_bound(b, lo);
			if (lo_excl && j < b->n && !memcmp(b->e[j].id, lo, ID))
				j++;
		}
		for (; j < b->n; j++) {
			const struct digest_entry *e = &b->e[j];
			int c = 1;

			if (hi && memcmp(e->id, hi, ID) > 0)
				return 0;
			while (k < m->n &&
			       (c = memcmp(m->e[k].origin, e->id, ID)) < 0)
				k++;
			if (k < m->n && c == 0 && m->e[k].seq >= e->seq)
				continue;
			if (add_push(x, e->id, e->seq))
				return -ENOMEM;
		}
	}
	return 0;
}

int digest_entries_diff(const struct digest *d, struct digest_walk *w,
			const struct wire_mesh_digest_entries *m,
			struct digest_diff *x)
{
	const uint8_t *lo = NULL, *hi = NULL;
	bool lo_excl = false, last_page;
	unsigned int i;

	if (w->done || m->first_bucket != w->req.first ||
	    m->last_bucket != w->req.last || m->offset != w->req.offset ||
	    m->n > WIRE_MESH_MAX_DIGEST_ENTRIES || m->offset + m->n < m->offset)
		return -EINVAL;
	for (i = 0; i < m->n; i++) {
		uint64_t have = digest_get(d, m->e[i].origin);

		if (have < m->e[i].seq &&
		    add_want(x, m->e[i].origin, have, m->e[i].seq))
			return -ENOMEM;
	}
	last_page = m->offset + m->n >= m->total;
	/* The id range this page covers, in the peer's sorted list. */
	if (m->offset) {
		if (w->has_prev) {
			lo = w->prev;
			lo_excl = true;
		} else if (m->n) {
			lo = m->e[0].origin;
		}
	}
	if (!last_page)
		hi = m->n ? m->e[m->n - 1].origin : NULL;
	if ((!m->offset || lo) && (last_page || hi) &&
	    push_range(d, m->first_bucket, m->last_bucket, lo, lo_excl, hi, m,
		       x))
		return -ENOMEM;
	if (last_page || !m->n) {
		w->done = true;
		return 0;
	}
	w->req.offset = m->offset + m->n;
	memcpy(w->prev, m->e[m->n - 1].origin, ID);
	w->has_prev = true;
	return 0;
}
