<?php
/* SPDX-License-Identifier: MIT */
/*
 * MetricsProvider.php: WHMCS's usage billing (7.9+) for VumaERP tenants, as
 * developers.whmcs.com (Usage Metrics) describes it: metrics() lists what can be billed, keyed
 * by system name; usage() every tenant's usage on the server, keyed by tenant; tenantUsage() one
 * tenant's. The tenant is its database's name, the service's db_name custom field (the module's
 * ListAccountsUniqueIdentifierField), so WHMCS finds each service's usage.
 *
 *   users  active internal Odoo users (res_users: active, not share), counted by vumaerp over
 *          SQL in the tenant's database (status's "users"), not a number the tenant can edit;
 *          none while suspended (a suspended tenant is not entered to be counted).
 *   disk   what the tenant takes on disk in GB: its database and its filestore (attachments),
 *          status's and list's "disk_bytes" (the database's "size_bytes" alone from an older API).
 * Both are snapshots: nothing resets them, WHMCS bills what it last saw.
 *
 * Loaded only by vumaerp_MetricProvider(), on a WHMCS that has the interface. Failures are in
 * the module log; a failed call gives no usage rather than an exception in WHMCS's cron.
 *
 * PHP 7.4 and 8.x: no enums, readonly, match, named arguments, nullsafe operator or union types.
 */

namespace WHMCS\Module\Server\Vumaerp;

use WHMCS\UsageBilling\Contracts\Metrics\MetricInterface;
use WHMCS\UsageBilling\Contracts\Metrics\ProviderInterface;
use WHMCS\UsageBilling\Metrics\Metric;
use WHMCS\UsageBilling\Metrics\Units\Accounts;
use WHMCS\UsageBilling\Metrics\Units\GigaBytes;
use WHMCS\UsageBilling\Metrics\Usage;

class MetricsProvider implements ProviderInterface
{
    const USERS = 'users';
    const DISK = 'disk';

    /** @var array WHMCS's server parameters */
    private $params;
    /** @var array|null usage() once made, for tenantUsage() in the same run */
    private $usage = null;

    public function __construct($params)
    {
        $this->params = is_array($params) ? $params : array();
    }

    public function metrics()
    {
        return array(
            self::USERS => new Metric(self::USERS, 'ERP users', MetricInterface::TYPE_SNAPSHOT, new Accounts('Users')),
            self::DISK => new Metric(self::DISK, 'ERP database storage', MetricInterface::TYPE_SNAPSHOT, new GigaBytes()),
        );
    }

    /**
     * Every tenant on the server: one list call, then status for each active tenant (its users,
     * and its size measured now); a suspended one has its listed size and no users.
     */
    public function usage()
    {
        if ($this->usage !== null) {
            return $this->usage;
        }
        try {
            $answer = \vumaerp_call($this->params, 'vumaerp_MetricProvider', 'GET', '/api/v1/list');
        } catch (\Throwable $e) {
            \vumaerp_fail('vumaerp_MetricProvider', $this->params, $e);
            return array();
        }
        $usage = array();
        foreach (isset($answer['tenants']) && is_array($answer['tenants']) ? $answer['tenants'] : array() as $t) {
            if (!is_array($t) || !isset($t['db_name']) || !is_string($t['db_name']) || $t['db_name'] === '') {
                continue;
            }
            $values = $t;   // list has no users: a suspended tenant has none counted
            if (isset($t['state']) && $t['state'] === 'active') {
                $status = $this->status($t['db_name']);
                if ($status !== null) {
                    $values = $status;
                }
            }
            $usage[$t['db_name']] = $this->wrap($values);
        }
        $this->usage = $usage;
        return $usage;
    }

    /** One tenant (its database's name): one status call. */
    public function tenantUsage($tenant)
    {
        $tenant = (string) $tenant;
        if ($this->usage !== null && isset($this->usage[$tenant])) {
            return $this->usage[$tenant];
        }
        if ($tenant === '') {
            return array();
        }
        $status = $this->status($tenant);
        return $status === null ? array() : $this->wrap($status);
    }

    /** The tenant's status, or null (logged) when it cannot be had. */
    private function status($tenant)
    {
        try {
            return \vumaerp_call($this->params, 'vumaerp_MetricProvider', 'GET', '/api/v1/status', array('db_name' => $tenant), true, true);
        } catch (\Throwable $e) {
            \vumaerp_fail('vumaerp_MetricProvider', $this->params, $e);
            return null;
        }
    }

    /** The metrics, each with its usage where the answer has a value (WHMCS's own pattern). */
    private function wrap(array $answer)
    {
        $values = array(
            self::USERS => isset($answer['users']) && is_numeric($answer['users']) ? (int) $answer['users'] : null,
            self::DISK => \vumaerp_disk_bytes($answer) !== null
                ? round(((float) \vumaerp_disk_bytes($answer)) / 1073741824, 6) : null,
        );
        $wrapped = array();
        foreach ($this->metrics() as $name => $metric) {
            if ($values[$name] !== null) {
                $metric = $metric->withUsage(new Usage($values[$name]));
            }
            $wrapped[] = $metric;
        }
        return $wrapped;
    }
}
