// SPDX-License-Identifier: MIT
/*
 * aegisctl commands that change state and print nothing on success:
 * dev set, unbind, node add/set/del, key add/swap/del, prefix add/del.
 */
#include <errno.h>
#include <string.h>

#include <netlink/genl/genl.h>

#include "ctl.h"

struct nl_msg *ctl_build_change(const struct ctl_req *req, int family, int *ret)
{
	struct nl_msg *msg;
	uint8_t cmd;
	int err;

	switch (req->op) {
	case CTL_OP_DEV_SET:
	case CTL_OP_UNBIND:
		cmd = AEGIS_CMD_DEV_SET;
		break;
	case CTL_OP_NODE_ADD:
		cmd = AEGIS_CMD_NODE_NEW;
		break;
	case CTL_OP_NODE_SET:
		cmd = AEGIS_CMD_NODE_SET;
		break;
	case CTL_OP_NODE_DEL:
		cmd = AEGIS_CMD_NODE_DEL;
		break;
	case CTL_OP_KEY_ADD:
		cmd = AEGIS_CMD_KEY_NEW;
		break;
	case CTL_OP_KEY_SWAP:
		cmd = AEGIS_CMD_KEY_SWAP;
		break;
	case CTL_OP_KEY_DEL:
		cmd = AEGIS_CMD_KEY_DEL;
		break;
	case CTL_OP_PREFIX_ADD:
		cmd = AEGIS_CMD_PREFIX_ADD;
		break;
	case CTL_OP_PREFIX_DEL:
		cmd = AEGIS_CMD_PREFIX_DEL;
		break;
	default:
		*ret = -EINVAL;
		return NULL;
	}
	msg = nlmsg_alloc();
	if (!msg) {
		*ret = -ENOMEM;
		return NULL;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0, cmd,
			 AEGIS_GENL_VERSION)) {
		err = -EMSGSIZE;
		goto fail;
	}
	err = aegis_put_devref(msg, &req->dev);
	if (err)
		goto fail;
	switch (req->op) {
	case CTL_OP_DEV_SET:
	case CTL_OP_UNBIND:
		err = aegis_put_dev(msg, &req->devset);
		break;
	case CTL_OP_NODE_ADD:
	case CTL_OP_NODE_SET:
	case CTL_OP_NODE_DEL:
		err = aegis_put_node(msg, &req->node);
		break;
	case CTL_OP_KEY_ADD:
	case CTL_OP_KEY_SWAP:
	case CTL_OP_KEY_DEL:
		err = aegis_put_key(msg, &req->key);
		break;
	default:
		err = aegis_put_prefix(msg, &req->prefix);
		break;
	}
	if (err)
		goto fail;
	*ret = 0;
	return msg;

fail:
	/* The message may hold key material already. */
	explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
	*ret = err;
	return NULL;
}

int ctl_cmd_change(struct aegis_genl *g, const struct ctl_req *req)
{
	struct nl_msg *msg;
	char what[64];
	int ret;

	snprintf(what, sizeof(what), "%s %s", req->name, req->dev_arg);
	msg = ctl_build_change(req, g->family, &ret);
	if (!msg)
		return ctl_fail(what, "cannot build the request: %s", strerror(-ret));
	ret = aegis_genl_request(g, msg, NULL, NULL);
	explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
	if (ret)
		return ctl_fail(what, "%s", g->errmsg);
	if (g->ack.msg[0])
		ctl_warn("%s: kernel: %s", what, g->ack.msg);
	return CTL_EXIT_OK;
}
