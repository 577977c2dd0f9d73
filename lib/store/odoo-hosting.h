/* SPDX-License-Identifier: MIT */
/*
 * odoo-hosting.h: what a hosted Odoo database gets that Odoo's own defaults do not give it,
 * applied inside a template when it is built and inside every tenant when it is provisioned,
 * over a session inside that database (tenant-db.h).
 */
#pragma once

#include <stdbool.h>

#include <libpq-fe.h>

/* In one transaction:
 * - auth_oauth's provider "Odoo.com Accounts" disabled, its client_id cleared (Odoo's data file
 *   enables it with the database's uuid: a login through odoo.com a hosted tenant must not
 *   offer, and in a clone the template's uuid);
 * - mail's "Publisher: Update Notification" cron active only when update_notification: it sends
 *   the company's name, the admin's email and phone and the user counts to odoo.com weekly
 *   (config.h odoo_update_notification). Its record is noupdate, so an upgrade keeps this.
 * A database without auth_oauth or mail is left as it is in that respect. Returns 0, -EIO (the
 * connection's error says why) or -ENOMEM. */
int odoo_hosting_apply(PGconn *conn, bool update_notification);
