// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The aegis0 netdevice and its rtnl link type "aegisray".
 *
 * Lifetime: devices are created by rtnetlink (ip link add) and destroyed by
 * rtnetlink (ip link del), by deleting their network namespace (the core
 * calls dellink for every device that has rtnl_link_ops), or by module
 * unload (rtnl_link_unregister deletes all devices of the kind). All three
 * end in aegis_uninit() under RTNL and free the private state through
 * needs_free_netdev once the last reference is gone.
 */
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/rtnetlink.h>

#include "device.h"
#include "messages.h"
#include "node.h"
#include "receive.h"
#include "send.h"
#include "socket.h"
#include "timers.h"

/*
 * Checksums are resolved and GSO super-packets segmented in aegis_xmit, so
 * the stack may hand us both.
 */
#define AEGIS_FEATURES (NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_RXCSUM | \
			NETIF_F_HIGHDMA | NETIF_F_GSO_SOFTWARE)

static int aegis_open(struct net_device *dev)
{
	aegis_housekeeping_start(netdev_priv(dev));
	return 0;
}

static int aegis_stop(struct net_device *dev)
{
	aegis_housekeeping_stop(netdev_priv(dev));
	return 0;
}

static int aegis_init(struct net_device *dev)
{
	struct aegis_device *aegis = netdev_priv(dev);
	int ret;

	ret = aegis_crypt_queue_init(&aegis->encrypt_q, aegis, aegis_tx_worker);
	if (ret)
		return ret;
	ret = aegis_crypt_queue_init(&aegis->decrypt_q, aegis, aegis_rx_worker);
	if (ret)
		goto err_encrypt_q;
	return 0;

err_encrypt_q:
	aegis_crypt_queue_free(&aegis->encrypt_q);
	return ret;
}

/*
 * After the last reference (every unit in flight holds one, through its
 * node): the workers can have nothing left to do but return.
 */
static void aegis_destruct(struct net_device *dev)
{
	struct aegis_device *aegis = netdev_priv(dev);

	aegis_crypt_queue_free(&aegis->decrypt_q);
	aegis_crypt_queue_free(&aegis->encrypt_q);
}

/*
 * Called under RTNL by every way a device dies, after it was closed. Stop
 * input first (the socket), then empty the tables; packets still in flight
 * hold references on their keys and nodes, and nodes hold the netdevice,
 * so unregistration waits for them.
 */
static void aegis_uninit(struct net_device *dev)
{
	struct aegis_device *aegis = netdev_priv(dev);

	aegis_sock_detach(aegis);
	mutex_lock(&aegis->conf_lock);
	aegis_node_remove_all(aegis);
	aegis_prefix_table_free(&aegis->prefixes, &aegis->conf_lock);
	mutex_unlock(&aegis->conf_lock);
}

static const struct net_device_ops aegis_netdev_ops = {
	.ndo_init		= aegis_init,
	.ndo_uninit		= aegis_uninit,
	.ndo_open		= aegis_open,
	.ndo_stop		= aegis_stop,
	.ndo_start_xmit		= aegis_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
};

static const struct device_type aegis_device_type = {
	.name = AEGIS_LINK_KIND,
};

static void aegis_setup(struct net_device *dev)
{
	struct aegis_device *aegis = netdev_priv(dev);

	dev->netdev_ops = &aegis_netdev_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	/* aegis_xmit needs the route to answer with ICMP errors. */
	netif_keep_dst(dev);
	dev->features |= NETIF_F_LLTX | AEGIS_FEATURES;
	dev->hw_features |= AEGIS_FEATURES;
	dev->hw_enc_features |= AEGIS_FEATURES;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->mtu = AEGIS_DEFAULT_MTU;
	dev->min_mtu = AEGIS_MIN_MTU;
	dev->max_mtu = AEGIS_MAX_MTU;
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
	dev->needs_free_netdev = true;
	dev->priv_destructor = aegis_destruct;
	SET_NETDEV_DEVTYPE(dev, &aegis_device_type);

	memset(aegis, 0, sizeof(*aegis));
	aegis->dev = dev;
	mutex_init(&aegis->conf_lock);
	spin_lock_init(&aegis->sock_lock);
	hash_init(aegis->node_hash);
	hash_init(aegis->index_hash);
	INIT_LIST_HEAD(&aegis->node_list);
	aegis_prefix_table_init(&aegis->prefixes);
	aegis->hop_limit = AEGIS_DEFAULT_HOP_LIMIT;
	aegis->idle_timeout = AEGIS_DEFAULT_IDLE_TIMEOUT;
	INIT_DELAYED_WORK(&aegis->housekeeping, aegis_housekeeping);
}

static int aegis_validate(struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
				    "aegisray is a layer-3 device and has no link-layer address");
		return -EINVAL;
	}
	/*
	 * All configuration goes through the genl family. With no link
	 * attribute space the core would ignore IFLA_INFO_DATA silently, so
	 * refuse it here instead.
	 */
	if (tb[IFLA_LINKINFO] &&
	    nla_find_nested(tb[IFLA_LINKINFO], IFLA_INFO_DATA)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_LINKINFO],
				    "aegisray takes no link attributes; configure it over the aegisray genl family");
		return -EINVAL;
	}
	if (tb[IFLA_BROADCAST]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_BROADCAST],
				    "aegisray is a layer-3 device and has no broadcast address");
		return -EINVAL;
	}
	return 0;
}

static int aegis_newlink(struct net *src_net, struct net_device *dev,
			 struct nlattr *tb[], struct nlattr *data[],
			 struct netlink_ext_ack *extack)
{
	return register_netdevice(dev);
}

struct rtnl_link_ops aegis_link_ops __read_mostly = {
	.kind		= AEGIS_LINK_KIND,
	.priv_size	= sizeof(struct aegis_device),
	.setup		= aegis_setup,
	.validate	= aegis_validate,
	.newlink	= aegis_newlink,
};

int __init aegis_device_init(void)
{
	return rtnl_link_register(&aegis_link_ops);
}

void aegis_device_uninit(void)
{
	rtnl_link_unregister(&aegis_link_ops);
	/* Nodes and keys are freed by RCU callbacks in this module. */
	rcu_barrier();
}
