// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "hex.h"
#include "netaddr.h"
#include "print.h"

void ctl_format_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	unsigned int u = 0;

	if (bytes < 1024) {
		snprintf(buf, size, "%" PRIu64 " B", bytes);
		return;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, "%.2f %s", v, units[u]);
}

void ctl_format_duration(uint64_t secs, char *buf, size_t size)
{
	static const struct {
		uint64_t secs;
		const char *name;
	} parts[] = {
		{ 86400, "day" }, { 3600, "hour" }, { 60, "minute" }, { 1, "second" },
	};
	size_t used = 0, i;

	if (!size)
		return;
	buf[0] = '\0';
	if (secs == 0) {
		snprintf(buf, size, "0 seconds");
		return;
	}
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		uint64_t n = secs / parts[i].secs;
		int w;

		if (!n)
			continue;
		secs %= parts[i].secs;
		w = snprintf(buf + used, size - used, "%s%" PRIu64 " %s%s",
			     used ? ", " : "", n, parts[i].name, n == 1 ? "" : "s");
		if (w < 0 || (size_t)w >= size - used)
			return;
		used += (size_t)w;
	}
}

uint64_t ctl_boottime_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void format_index(uint64_t v, char buf[17])
{
	snprintf(buf, 17, "%016" PRIx64, v);
}

static const char *dev_label(const struct aegis_nl_dev *d, char *buf, size_t size)
{
	if (AEGIS_HAS(d, AEGIS_DEV_A_IFNAME))
		return d->ifname;
	snprintf(buf, size, "ifindex %" PRIu32, d->ifindex);
	return buf;
}

/* --- text -------------------------------------------------------------------- */

void ctl_print_dev(FILE *f, const struct aegis_nl_dev *d)
{
	char buf[AEGIS_NODE_ID_HEX_SIZE];

	fprintf(f, "interface: %s\n", dev_label(d, buf, sizeof(buf)));
	if (AEGIS_HAS(d, AEGIS_DEV_A_IFINDEX))
		fprintf(f, "  ifindex: %" PRIu32 "\n", d->ifindex);
	if (AEGIS_HAS(d, AEGIS_DEV_A_NODE_ID)) {
		aegis_node_id_format(d->node_id, buf);
		fprintf(f, "  node id: %s\n", buf);
	}
	/* A bound UDP socket never has port 0: 0 means none attached (like wg). */
	if (AEGIS_HAS(d, AEGIS_DEV_A_LISTEN_PORT) && d->listen_port)
		fprintf(f, "  listening port: %u\n", d->listen_port);
	if (AEGIS_HAS(d, AEGIS_DEV_A_IDLE_TIMEOUT)) {
		if (d->idle_timeout) {
			char dur[80];

			ctl_format_duration(d->idle_timeout, dur, sizeof(dur));
			fprintf(f, "  idle timeout: %s\n", dur);
		} else {
			fprintf(f, "  idle timeout: never\n");
		}
	}
	if (AEGIS_HAS(d, AEGIS_DEV_A_HOP_LIMIT))
		fprintf(f, "  hop limit: %u\n", d->hop_limit);
	if (AEGIS_HAS(d, AEGIS_DEV_A_NODES))
		fprintf(f, "  nodes: %" PRIu32 "\n", d->nodes);
	if (AEGIS_HAS(d, AEGIS_DEV_A_PREFIXES))
		fprintf(f, "  prefixes: %" PRIu32 "\n", d->prefixes);
}

void ctl_print_key(FILE *f, const char *indent, const struct aegis_nl_key *k)
{
	const char *slot = aegis_slot_name(k->slot);
	const char *cipher = aegis_cipher_name(k->cipher);
	char idx[17];

	if (AEGIS_HAS(k, AEGIS_KEY_A_SLOT) && slot)
		fprintf(f, "%skey %s:", indent, slot);
	else if (AEGIS_HAS(k, AEGIS_KEY_A_SLOT))
		fprintf(f, "%skey slot %u:", indent, k->slot);
	else
		fprintf(f, "%skey:", indent);
	if (AEGIS_HAS(k, AEGIS_KEY_A_KEY_ID))
		fprintf(f, " id %u", k->key_id);
	if (AEGIS_HAS(k, AEGIS_KEY_A_CIPHER)) {
		if (cipher)
			fprintf(f, ", %s", cipher);
		else
			fprintf(f, ", cipher %u", k->cipher);
	}
	if (AEGIS_HAS(k, AEGIS_KEY_A_RX_INDEX)) {
		format_index(k->rx_index, idx);
		fprintf(f, ", rx-index %s", idx);
	}
	if (AEGIS_HAS(k, AEGIS_KEY_A_TX_INDEX)) {
		format_index(k->tx_index, idx);
		fprintf(f, ", tx-index %s", idx);
	}
	if (AEGIS_HAS(k, AEGIS_KEY_A_AGE)) {
		char dur[80];

		ctl_format_duration(k->age, dur, sizeof(dur));
		fprintf(f, ", age %s", dur);
	}
	fprintf(f, ", %s", AEGIS_HAS(k, AEGIS_KEY_A_CONFIRMED) ?
		"confirmed" : "unconfirmed");
	if (AEGIS_HAS(k, AEGIS_KEY_A_TX_PACKETS))
		fprintf(f, ", %" PRIu64 " tx", k->tx_packets);
	if (AEGIS_HAS(k, AEGIS_KEY_A_RX_PACKETS))
		fprintf(f, ", %" PRIu64 " rx", k->rx_packets);
	/* Lifetimes of 0 mean none: not worth a mention. */
	if (AEGIS_HAS(k, AEGIS_KEY_A_SOFT_LIFETIME) && k->soft_lifetime)
		fprintf(f, ", soft-lifetime %" PRIu32 " s", k->soft_lifetime);
	if (AEGIS_HAS(k, AEGIS_KEY_A_HARD_LIFETIME) && k->hard_lifetime)
		fprintf(f, ", hard-lifetime %" PRIu32 " s", k->hard_lifetime);
	if (AEGIS_HAS(k, AEGIS_KEY_A_SOFT_PACKETS))
		fprintf(f, ", soft-packets %" PRIu64, k->soft_packets);
	if (AEGIS_HAS(k, AEGIS_KEY_A_HARD_PACKETS))
		fprintf(f, ", hard-packets %" PRIu64, k->hard_packets);
	fputc('\n', f);
}

static void print_endpoint(FILE *f, const char *label, const struct aegis_nl_node *n)
{
	char buf[AEGIS_ENDPOINT_STRSIZE];

	if (!AEGIS_HAS(n, AEGIS_NODE_A_ENDPOINT_IP4) &&
	    !AEGIS_HAS(n, AEGIS_NODE_A_ENDPOINT_IP6))
		return;
	if (aegis_endpoint_format(&n->endpoint, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "(invalid)");
	fprintf(f, "%s%s", label, buf);
}

void ctl_print_node(FILE *f, const struct ctl_node_view *v, uint64_t now_ns)
{
	const struct aegis_nl_node *n = v->node;
	char id[AEGIS_NODE_ID_HEX_SIZE];
	char a[64];
	size_t i;

	aegis_node_id_format(n->id, id);
	fprintf(f, "node: %s\n", id);
	if (AEGIS_HAS(n, AEGIS_NODE_A_ENDPOINT_IP4) ||
	    AEGIS_HAS(n, AEGIS_NODE_A_ENDPOINT_IP6)) {
		print_endpoint(f, "  endpoint: ", n);
		fputc('\n', f);
	}
	if (AEGIS_HAS(n, AEGIS_NODE_A_VIA)) {
		if (n->via_direct) {
			fprintf(f, "  via: direct\n");
		} else {
			aegis_node_id_format(n->via, id);
			fprintf(f, "  via: %s\n", id);
		}
	}
	if (v->prefixes_known) {
		fprintf(f, "  prefixes: ");
		for (i = 0; i < v->nprefixes; i++) {
			char p[AEGIS_PREFIX_STRSIZE];

			if (aegis_prefix_format(&v->prefixes[i]->prefix, p, sizeof(p)))
				snprintf(p, sizeof(p), "(invalid)");
			fprintf(f, "%s%s", i ? ", " : "", p);
		}
		fprintf(f, "%s\n", v->nprefixes ? "" : "(none)");
	}
	if (AEGIS_HAS(n, AEGIS_NODE_A_KEEPALIVE)) {
		if (n->keepalive)
			fprintf(f, "  keepalive: every %u seconds\n", n->keepalive);
		else
			fprintf(f, "  keepalive: off\n");
	}
	if (AEGIS_HAS(n, AEGIS_NODE_A_FLAGS))
		fprintf(f, "  relay: %s\n",
			n->flags & AEGIS_NODE_F_RELAY ? "on" : "off");
	if (AEGIS_HAS(n, AEGIS_NODE_A_LAST_RX)) {
		if (!n->last_rx) {
			fprintf(f, "  latest rx: never\n");
		} else if (now_ns < n->last_rx) {
			fprintf(f, "  latest rx: just now\n");
		} else {
			ctl_format_duration((now_ns - n->last_rx) / 1000000000u, a, sizeof(a));
			fprintf(f, "  latest rx: %s ago\n", a);
		}
	}
	if (AEGIS_HAS(n, AEGIS_NODE_A_RX_BYTES) || AEGIS_HAS(n, AEGIS_NODE_A_TX_BYTES)) {
		char b[64];

		ctl_format_bytes(n->rx_bytes, a, sizeof(a));
		ctl_format_bytes(n->tx_bytes, b, sizeof(b));
		fprintf(f, "  transfer: %s received, %s sent\n", a, b);
	}
	if (AEGIS_HAS(n, AEGIS_NODE_A_RX_PACKETS) || AEGIS_HAS(n, AEGIS_NODE_A_TX_PACKETS))
		fprintf(f, "  packets: %" PRIu64 " received, %" PRIu64 " sent\n",
			n->rx_packets, n->tx_packets);
	if (AEGIS_HAS(n, AEGIS_NODE_A_DROPS)) {
		bool any = false;
		unsigned int t;

		for (t = 1; t <= AEGIS_DROP_A_MAX; t++) {
			const char *name = aegis_drop_name(t);

			if (!(n->drops_present & AEGIS_BIT(t)) || !n->drops[t] || !name)
				continue;
			fprintf(f, "%s%s %" PRIu64, any ? ", " : "  drops: ", name,
				n->drops[t]);
			any = true;
		}
		fprintf(f, "%s\n", any ? "" : "  drops: none");
	}
	if (v->keys_known) {
		if (!v->keys[0] && !v->keys[1])
			fprintf(f, "  keys: none\n");
		for (i = 0; i < 2; i++)
			if (v->keys[i])
				ctl_print_key(f, "  ", v->keys[i]);
	}
}

void ctl_print_prefix(FILE *f, const struct aegis_prefix_entry *p)
{
	char id[AEGIS_NODE_ID_HEX_SIZE];
	char buf[AEGIS_PREFIX_STRSIZE];

	if (AEGIS_HAS(p, AEGIS_PREFIX_A_NODE_ID))
		aegis_node_id_format(p->node_id, id);
	else
		snprintf(id, sizeof(id), "-");
	if (aegis_prefix_format(&p->prefix, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "(invalid)");
	fprintf(f, "%s\t%s\n", id, buf);
}

void ctl_print_event(FILE *f, const struct ctl_event *ev)
{
	const char *name = aegis_cmd_name(ev->info.cmd);
	char id[AEGIS_NODE_ID_HEX_SIZE];

	if (name)
		fputs(name, f);
	else
		fprintf(f, "cmd-%u", ev->info.cmd);
	if (AEGIS_HAS(&ev->info, AEGIS_A_IFNAME))
		fprintf(f, " %s", ev->info.ifname);
	else if (ev->has_dev && AEGIS_HAS(&ev->dev, AEGIS_DEV_A_IFNAME))
		fprintf(f, " %s", ev->dev.ifname);
	if (AEGIS_HAS(&ev->info, AEGIS_A_IFINDEX))
		fprintf(f, " ifindex %" PRIu32, ev->info.ifindex);
	else if (ev->has_dev && AEGIS_HAS(&ev->dev, AEGIS_DEV_A_IFINDEX))
		fprintf(f, " ifindex %" PRIu32, ev->dev.ifindex);
	if (ev->has_dev && AEGIS_HAS(&ev->dev, AEGIS_DEV_A_LISTEN_PORT))
		fprintf(f, " port %u", ev->dev.listen_port);
	if (ev->has_node) {
		aegis_node_id_format(ev->node.id, id);
		fprintf(f, " node %s", id);
		print_endpoint(f, " endpoint ", &ev->node);
		if (AEGIS_HAS(&ev->node, AEGIS_NODE_A_LAST_RX))
			fprintf(f, " last-rx %" PRIu64, ev->node.last_rx);
	}
	if (ev->has_key) {
		const struct aegis_nl_key *k = &ev->key;

		if (!ev->has_node && AEGIS_HAS(k, AEGIS_KEY_A_NODE_ID)) {
			aegis_node_id_format(k->node_id, id);
			fprintf(f, " node %s", id);
		}
		if (AEGIS_HAS(k, AEGIS_KEY_A_SLOT)) {
			const char *slot = aegis_slot_name(k->slot);

			if (slot)
				fprintf(f, " slot %s", slot);
			else
				fprintf(f, " slot %u", k->slot);
		}
		if (AEGIS_HAS(k, AEGIS_KEY_A_KEY_ID))
			fprintf(f, " key-id %u", k->key_id);
		if (AEGIS_HAS(k, AEGIS_KEY_A_RX_INDEX))
			fprintf(f, " rx-index %016" PRIx64, k->rx_index);
		if (AEGIS_HAS(k, AEGIS_KEY_A_TX_INDEX))
			fprintf(f, " tx-index %016" PRIx64, k->tx_index);
	}
	if (ev->has_prefix) {
		char buf[AEGIS_PREFIX_STRSIZE];

		if (!aegis_prefix_format(&ev->prefix.prefix, buf, sizeof(buf)))
			fprintf(f, " prefix %s", buf);
	}
}

/* --- JSON -------------------------------------------------------------------- */

static void json_node_id(struct aegis_json *j, const char *key,
			 const uint8_t id[AEGIS_NODE_ID_LEN])
{
	char buf[AEGIS_NODE_ID_HEX_SIZE];

	aegis_node_id_format(id, buf);
	aegis_json_kv_string(j, key, buf);
}

static void json_index(struct aegis_json *j, const char *key, uint64_t v)
{
	char buf[17];

	format_index(v, buf);
	aegis_json_kv_string(j, key, buf);
}

void ctl_json_dev_members(struct aegis_json *j, const struct aegis_nl_dev *d,
			  const struct aegis_msg_info *info)
{
	if (AEGIS_HAS(d, AEGIS_DEV_A_IFNAME))
		aegis_json_kv_string(j, "ifname", d->ifname);
	if (AEGIS_HAS(d, AEGIS_DEV_A_IFINDEX))
		aegis_json_kv_u64(j, "ifindex", d->ifindex);
	if (AEGIS_HAS(d, AEGIS_DEV_A_NODE_ID))
		json_node_id(j, "node_id", d->node_id);
	if (AEGIS_HAS(d, AEGIS_DEV_A_LISTEN_PORT))
		aegis_json_kv_u64(j, "listen_port", d->listen_port);
	if (AEGIS_HAS(d, AEGIS_DEV_A_IDLE_TIMEOUT))
		aegis_json_kv_u64(j, "idle_timeout", d->idle_timeout);
	if (AEGIS_HAS(d, AEGIS_DEV_A_HOP_LIMIT))
		aegis_json_kv_u64(j, "hop_limit", d->hop_limit);
	if (AEGIS_HAS(d, AEGIS_DEV_A_NODES))
		aegis_json_kv_u64(j, "node_count", d->nodes);
	if (AEGIS_HAS(d, AEGIS_DEV_A_PREFIXES))
		aegis_json_kv_u64(j, "prefix_count", d->prefixes);
	if (info && AEGIS_HAS(info, AEGIS_A_GENERATION))
		aegis_json_kv_u64(j, "generation", info->generation);
}

static void json_endpoint(struct aegis_json *j, const struct aegis_nl_node *n)
{
	char buf[AEGIS_ENDPOINT_STRSIZE];

	if (!AEGIS_HAS(n, AEGIS_NODE_A_ENDPOINT_IP4) &&
	    !AEGIS_HAS(n, AEGIS_NODE_A_ENDPOINT_IP6))
		return;
	aegis_json_key(j, "endpoint");
	if (aegis_endpoint_format(&n->endpoint, buf, sizeof(buf)))
		aegis_json_null(j);
	else
		aegis_json_string(j, buf);
}

/* "no-key" -> "no_key": JSON keys that need no quoting in jq. */
static void json_name_key(struct aegis_json *j, const char *name)
{
	char buf[32];
	size_t i;

	for (i = 0; name[i] && i + 1 < sizeof(buf); i++)
		buf[i] = name[i] == '-' ? '_' : name[i];
	buf[i] = '\0';
	aegis_json_key(j, buf);
}

void ctl_json_key(struct aegis_json *j, const struct aegis_nl_key *k)
{
	const char *name;

	aegis_json_object_begin(j);
	if (AEGIS_HAS(k, AEGIS_KEY_A_NODE_ID))
		json_node_id(j, "node_id", k->node_id);
	if (AEGIS_HAS(k, AEGIS_KEY_A_SLOT)) {
		aegis_json_key(j, "slot");
		if ((name = aegis_slot_name(k->slot)))
			aegis_json_string(j, name);
		else
			aegis_json_u64(j, k->slot);
	}
	if (AEGIS_HAS(k, AEGIS_KEY_A_KEY_ID))
		aegis_json_kv_u64(j, "key_id", k->key_id);
	if (AEGIS_HAS(k, AEGIS_KEY_A_CIPHER)) {
		aegis_json_key(j, "cipher");
		if ((name = aegis_cipher_name(k->cipher)))
			aegis_json_string(j, name);
		else
			aegis_json_u64(j, k->cipher);
	}
	if (AEGIS_HAS(k, AEGIS_KEY_A_RX_INDEX))
		json_index(j, "rx_index", k->rx_index);
	if (AEGIS_HAS(k, AEGIS_KEY_A_TX_INDEX))
		json_index(j, "tx_index", k->tx_index);
	if (AEGIS_HAS(k, AEGIS_KEY_A_AGE))
		aegis_json_kv_u64(j, "age", k->age);
	aegis_json_kv_bool(j, "confirmed", AEGIS_HAS(k, AEGIS_KEY_A_CONFIRMED));
	if (AEGIS_HAS(k, AEGIS_KEY_A_TX_PACKETS))
		aegis_json_kv_u64(j, "tx_packets", k->tx_packets);
	if (AEGIS_HAS(k, AEGIS_KEY_A_RX_PACKETS))
		aegis_json_kv_u64(j, "rx_packets", k->rx_packets);
	if (AEGIS_HAS(k, AEGIS_KEY_A_SOFT_LIFETIME))
		aegis_json_kv_u64(j, "soft_lifetime", k->soft_lifetime);
	if (AEGIS_HAS(k, AEGIS_KEY_A_HARD_LIFETIME))
		aegis_json_kv_u64(j, "hard_lifetime", k->hard_lifetime);
	if (AEGIS_HAS(k, AEGIS_KEY_A_SOFT_PACKETS))
		aegis_json_kv_u64(j, "soft_packets", k->soft_packets);
	if (AEGIS_HAS(k, AEGIS_KEY_A_HARD_PACKETS))
		aegis_json_kv_u64(j, "hard_packets", k->hard_packets);
	aegis_json_object_end(j);
}

void ctl_json_prefix(struct aegis_json *j, const struct aegis_prefix_entry *p)
{
	char buf[AEGIS_PREFIX_STRSIZE];

	aegis_json_object_begin(j);
	if (AEGIS_HAS(p, AEGIS_PREFIX_A_NODE_ID))
		json_node_id(j, "node_id", p->node_id);
	aegis_json_key(j, "prefix");
	if (aegis_prefix_format(&p->prefix, buf, sizeof(buf)))
		aegis_json_null(j);
	else
		aegis_json_string(j, buf);
	aegis_json_object_end(j);
}

void ctl_json_node(struct aegis_json *j, const struct ctl_node_view *v,
		   uint64_t now_ns)
{
	const struct aegis_nl_node *n = v->node;
	size_t i;

	aegis_json_object_begin(j);
	json_node_id(j, "id", n->id);
	json_endpoint(j, n);
	if (AEGIS_HAS(n, AEGIS_NODE_A_VIA)) {
		if (n->via_direct) {
			aegis_json_key(j, "via");
			aegis_json_null(j);
		} else {
			json_node_id(j, "via", n->via);
		}
	}
	if (AEGIS_HAS(n, AEGIS_NODE_A_KEEPALIVE))
		aegis_json_kv_u64(j, "keepalive", n->keepalive);
	if (AEGIS_HAS(n, AEGIS_NODE_A_FLAGS)) {
		aegis_json_kv_bool(j, "relay", n->flags & AEGIS_NODE_F_RELAY);
		aegis_json_kv_u64(j, "flags", n->flags);
	}
	if (AEGIS_HAS(n, AEGIS_NODE_A_RX_BYTES))
		aegis_json_kv_u64(j, "rx_bytes", n->rx_bytes);
	if (AEGIS_HAS(n, AEGIS_NODE_A_RX_PACKETS))
		aegis_json_kv_u64(j, "rx_packets", n->rx_packets);
	if (AEGIS_HAS(n, AEGIS_NODE_A_TX_BYTES))
		aegis_json_kv_u64(j, "tx_bytes", n->tx_bytes);
	if (AEGIS_HAS(n, AEGIS_NODE_A_TX_PACKETS))
		aegis_json_kv_u64(j, "tx_packets", n->tx_packets);
	if (AEGIS_HAS(n, AEGIS_NODE_A_LAST_RX)) {
		aegis_json_kv_u64(j, "last_rx_ns", n->last_rx);
		aegis_json_key(j, "last_rx_seconds_ago");
		if (n->last_rx && now_ns >= n->last_rx)
			aegis_json_u64(j, (now_ns - n->last_rx) / 1000000000u);
		else if (n->last_rx)
			aegis_json_u64(j, 0);
		else
			aegis_json_null(j);
	}
	if (AEGIS_HAS(n, AEGIS_NODE_A_DROPS)) {
		unsigned int t;

		aegis_json_key(j, "drops");
		aegis_json_object_begin(j);
		for (t = 1; t <= AEGIS_DROP_A_MAX; t++) {
			const char *name = aegis_drop_name(t);

			if (!(n->drops_present & AEGIS_BIT(t)) || !name)
				continue;
			json_name_key(j, name);
			aegis_json_u64(j, n->drops[t]);
		}
		aegis_json_object_end(j);
	}
	if (v->prefixes_known) {
		char buf[AEGIS_PREFIX_STRSIZE];

		aegis_json_key(j, "prefixes");
		aegis_json_array_begin(j);
		for (i = 0; i < v->nprefixes; i++) {
			if (aegis_prefix_format(&v->prefixes[i]->prefix, buf, sizeof(buf)))
				aegis_json_null(j);
			else
				aegis_json_string(j, buf);
		}
		aegis_json_array_end(j);
	}
	if (v->keys_known) {
		aegis_json_key(j, "keys");
		aegis_json_array_begin(j);
		for (i = 0; i < 2; i++)
			if (v->keys[i])
				ctl_json_key(j, v->keys[i]);
		aegis_json_array_end(j);
	}
	aegis_json_object_end(j);
}

void ctl_json_event(struct aegis_json *j, const struct ctl_event *ev)
{
	const char *name = aegis_cmd_name(ev->info.cmd);

	aegis_json_object_begin(j);
	aegis_json_key(j, "event");
	if (name) {
		aegis_json_string(j, name);
	} else {
		char buf[16];

		snprintf(buf, sizeof(buf), "cmd-%u", ev->info.cmd);
		aegis_json_string(j, buf);
	}
	aegis_json_kv_u64(j, "cmd", ev->info.cmd);
	if (AEGIS_HAS(&ev->info, AEGIS_A_IFNAME))
		aegis_json_kv_string(j, "ifname", ev->info.ifname);
	if (AEGIS_HAS(&ev->info, AEGIS_A_IFINDEX))
		aegis_json_kv_u64(j, "ifindex", ev->info.ifindex);
	if (ev->has_dev) {
		aegis_json_key(j, "dev");
		aegis_json_object_begin(j);
		ctl_json_dev_members(j, &ev->dev, NULL);
		aegis_json_object_end(j);
	}
	if (ev->has_node) {
		struct ctl_node_view v = { .node = &ev->node };

		aegis_json_key(j, "node");
		ctl_json_node(j, &v, ctl_boottime_ns());
	}
	if (ev->has_key) {
		aegis_json_key(j, "key");
		ctl_json_key(j, &ev->key);
	}
	if (ev->has_prefix) {
		aegis_json_key(j, "prefix");
		ctl_json_prefix(j, &ev->prefix);
	}
	aegis_json_object_end(j);
}
