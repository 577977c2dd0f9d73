<?php
/* SPDX-License-Identifier: MIT */
/*
 * SyncUsageClientAreaTest.php: issue 13's module features against a stand-in API (PHP's own
 * server answering list and status as vumaerp-api does): server sync (ListAccounts, in the
 * shape developers.whmcs.com documents), usage billing (MetricProvider: the metrics, one
 * tenant's usage, every tenant's), and the client area (a suspended tenant's notice and reason,
 * tenant data HTML-escaped, the client's language).
 */

use PHPUnit\Framework\TestCase;
use WHMCS\UsageBilling\Contracts\Metrics\MetricInterface;
use WHMCS\UsageBilling\Contracts\Metrics\ProviderInterface;
use WHMCS\UsageBilling\Metrics\Units\Accounts;
use WHMCS\UsageBilling\Metrics\Units\GigaBytes;

class SyncUsageClientAreaTest extends TestCase
{
    const GIB = 1073741824;
    const HOSTILE_COMPANY = '<script>alert("co")</script> & Sons\' "Ltd"';
    const HOSTILE_REASON = '<img src=x onerror=alert(1)> Overdue & "unpaid" \'#12\'';

    protected function setUp(): void
    {
        $GLOBALS['vumaerp_logged_calls'] = array();
        unset($GLOBALS['CONFIG']);
        vumaerp_test_database();
    }

    /* The API's list, and each tenant's status, as vumaerp-api answers them. */
    private static function tenants()
    {
        return array(
            'acme_ltd' => array('db_name' => 'acme_ltd', 'state' => 'active', 'size_bytes' => 1 * self::GIB, 'url' => 'https://acme-ltd.vumacloud.test',
                'country' => 'ke', 'company_name' => 'Acme Ltd', 'admin_email' => 'owner@acme.co.ke', 'whmcs_service_id' => 42,
                'created_at' => '2026-01-31T09:05:07Z', 'suspend_reason' => null),
            'beta' => array('db_name' => 'beta', 'state' => 'suspended', 'size_bytes' => 3 * self::GIB, 'disk_bytes' => 3.5 * self::GIB, 'url' => 'https://beta.vumacloud.test',
                'country' => 'ng', 'company_name' => self::HOSTILE_COMPANY, 'admin_email' => 'b@beta.example', 'whmcs_service_id' => null,
                'created_at' => '2025-12-01T00:00:00Z', 'suspend_reason' => self::HOSTILE_REASON),
            'half_made' => array('db_name' => 'half_made', 'state' => 'provisioning', 'size_bytes' => null, 'url' => 'https://half-made.vumacloud.test',
                'country' => null, 'company_name' => null, 'admin_email' => null, 'whmcs_service_id' => null, 'created_at' => null),
            'going' => array('db_name' => 'going', 'state' => 'terminating', 'size_bytes' => 5, 'url' => 'https://going.vumacloud.test',
                'country' => 'gh', 'company_name' => 'Going', 'admin_email' => 'g@going.example', 'whmcs_service_id' => 9,
                'created_at' => '2024-02-29T23:59:59Z'),
        );
    }

    /* status measures now and counts users in active tenants: it says other numbers than list. */
    private static function statuses()
    {
        $s = self::tenants();
        $s['acme_ltd']['size_bytes'] = 2 * self::GIB;
        $s['acme_ltd']['users'] = 5;
        $s['acme_ltd']['admin_login'] = 'owner@acme.co.ke';
        $s['beta']['users'] = null;
        /* On a server with plans: the plan, its cap and the users counted. */
        $s['gamma'] = array_merge($s['acme_ltd'], array('db_name' => 'gamma', 'url' => 'https://gamma.vumacloud.test',
            'plan' => 'team<b>', 'max_users' => 5, 'extra_users' => 1, 'users' => 3, 'over_cap' => false));
        return $s;
    }

    private function api()
    {
        static $port = 0;
        if (!$port) {
            $list = var_export(json_encode(array('success' => true, 'count' => 4, 'tenants' => array_merge(array_values(self::tenants()),
                array(array('state' => 'active'))))), true);
            $statuses = var_export(json_encode(self::statuses()), true);
            $port = vumaerp_test_stub(<<<PHP
<?php
header('Content-Type: application/json');
\$path = parse_url(\$_SERVER['REQUEST_URI'], PHP_URL_PATH);
if (\$path === '/api/v1/list') {
    echo $list;
} elseif (\$path === '/api/v1/status') {
    \$all = json_decode($statuses, true);
    \$db = isset(\$_GET['db_name']) ? \$_GET['db_name'] : '';
    if (isset(\$all[\$db])) {
        echo json_encode(array('success' => true) + \$all[\$db]);
    } else {
        http_response_code(404);
        echo json_encode(array('success' => false, 'error' => 'no tenant database "' . \$db . '"', 'code' => 'no_such_tenant'));
    }
} else {
    http_response_code(404);
    echo '{"success":false,"code":"not_found","error":"not found"}';
}
return true;
PHP
            );
        }
        return $port;
    }

    /* A server, and a service on it; the API at $port (default: the stand-in). */
    private function params(array $extra = array())
    {
        return array_merge(array(
            'serviceid' => 42, 'pid' => 3, 'serverid' => 1,
            'serverhostname' => '127.0.0.1', 'serverip' => '', 'serverport' => $this->api(), 'serversecure' => false,
            'serveraccesshash' => 'contract-token-0123456789abcdef', 'serverpassword' => '',
            'domain' => 'acme-ltd.vumacloud.test', 'username' => 'owner@acme.co.ke', 'password' => 'Secret pw 123!',
            'configoption1' => 'ke', 'configoption4' => '',
            'customfields' => array('db_name' => 'acme_ltd'), 'clientsdetails' => array('email' => 'owner@acme.co.ke'),
        ), $extra);
    }

    private function downPort()
    {
        $sock = stream_socket_server('tcp://127.0.0.1:0');
        $name = stream_socket_get_name($sock, false);
        fclose($sock);
        return (int) substr($name, strrpos($name, ':') + 1);
    }

    /* --- server sync ---------------------------------------------------------------------- */

    public function testMetaDataNamesTheServerSyncFields()
    {
        $m = vumaerp_MetaData();
        $this->assertSame('customfield.db_name', $m['ListAccountsUniqueIdentifierField'], 'the tenant is the db_name custom field\'s');
        $this->assertSame('Tenant database', $m['ListAccountsUniqueIdentifierDisplayName']);
        $this->assertSame('configoption1', $m['ListAccountsProductField']);
        $this->assertArrayHasKey('Default country', vumaerp_ConfigOptions(), 'configoption1 is the default country');
        $this->assertSame('Default country', array_keys(vumaerp_ConfigOptions())[0]);
    }

    public function testListAccountsGivesEveryTenantInWhmcsShape()
    {
        $r = vumaerp_ListAccounts($this->params());
        $this->assertTrue($r['success']);
        $this->assertSame(array(
            array('email' => 'owner@acme.co.ke', 'username' => 'owner@acme.co.ke', 'domain' => 'acme-ltd.vumacloud.test',
                'uniqueIdentifier' => 'acme_ltd', 'product' => 'ke', 'primaryip' => '', 'created' => '2026-01-31 09:05:07',
                'status' => 'Active', 'whmcs_service_id' => 42),
            array('email' => 'b@beta.example', 'username' => 'b@beta.example', 'domain' => 'beta.vumacloud.test',
                'uniqueIdentifier' => 'beta', 'product' => 'ng', 'primaryip' => '', 'created' => '2025-12-01 00:00:00',
                'status' => 'Suspended', 'whmcs_service_id' => null),
            array('email' => '', 'username' => '', 'domain' => 'half-made.vumacloud.test',
                'uniqueIdentifier' => 'half_made', 'product' => '', 'primaryip' => '', 'created' => '',
                'status' => 'Pending', 'whmcs_service_id' => null),
            array('email' => 'g@going.example', 'username' => 'g@going.example', 'domain' => 'going.vumacloud.test',
                'uniqueIdentifier' => 'going', 'product' => 'gh', 'primaryip' => '', 'created' => '2024-02-29 23:59:59',
                'status' => 'Terminated', 'whmcs_service_id' => 9),
        ), $r['accounts'], 'an entry without db_name is left out');
        $this->assertSame(WHMCS\Service\Status::ACTIVE, $r['accounts'][0]['status']);
        $this->assertSame(WHMCS\Service\Status::SUSPENDED, $r['accounts'][1]['status']);
        $logged = end($GLOBALS['vumaerp_logged_calls']);
        $this->assertSame('vumaerp_ListAccounts', $logged['action']);
        $this->assertStringEndsWith('/api/v1/list', $logged['request']['url']);
    }

    public function testListAccountsSaysWhyItFailed()
    {
        $r = vumaerp_ListAccounts($this->params(array('serverport' => $this->downPort())));
        $this->assertFalse($r['success']);
        $this->assertSame(array(), $r['accounts']);
        $this->assertStringContainsString('Cannot connect', $r['error']);
        $this->assertStringNotContainsString('contract-token', $r['error']);
    }

    /* --- usage billing -------------------------------------------------------------------- */

    /* Each metric's usage value, by name; null where it has none. */
    private static function values(array $metrics)
    {
        $out = array();
        foreach ($metrics as $m) {
            $out[$m->systemName()] = $m->usage() ? $m->usage()->value() : null;
        }
        return $out;
    }

    public function testMetricProviderOffersUsersAndDiskSnapshots()
    {
        $p = vumaerp_MetricProvider($this->params(array('serverport' => $this->downPort())));
        $this->assertInstanceOf(ProviderInterface::class, $p);
        $metrics = $p->metrics();
        $this->assertSame(array('users', 'disk'), array_keys($metrics), 'keyed by system name');
        foreach ($metrics as $name => $m) {
            $this->assertInstanceOf(MetricInterface::class, $m);
            $this->assertSame($name, $m->systemName());
            $this->assertSame(MetricInterface::TYPE_SNAPSHOT, $m->type(), "$name is a snapshot");
            $this->assertNull($m->usage(), 'metrics() carries no usage');
            $this->assertNotSame('', (string) $m->displayName());
        }
        $this->assertInstanceOf(Accounts::class, $metrics['users']->units());
        $this->assertInstanceOf(GigaBytes::class, $metrics['disk']->units());
        $this->assertSame(array(), $GLOBALS['vumaerp_logged_calls'], 'metrics() calls nothing: WHMCS asks for it on product pages');
    }

    public function testMetricProviderUsageOfOneTenant()
    {
        $p = vumaerp_MetricProvider($this->params());
        $this->assertSame(array('users' => 5, 'disk' => 2.0), self::values($p->tenantUsage('acme_ltd')),
            'status\'s users and its size measured now, in GB');
        $logged = end($GLOBALS['vumaerp_logged_calls']);
        $this->assertStringContainsString('/api/v1/status?db_name=acme_ltd', $logged['request']['url']);
        $this->assertSame(array('users' => null, 'disk' => 3.5), self::values($p->tenantUsage('beta')),
            'a suspended tenant: its database and files, no users counted');
        $this->assertSame(array(), $p->tenantUsage('no_such'), 'a tenant the API does not know: no usage');
        $this->assertSame(array(), $p->tenantUsage(''));
        foreach ($p->tenantUsage('acme_ltd') as $m) {
            $this->assertInstanceOf(MetricInterface::class, $m);
        }
    }

    public function testMetricProviderUsageOfAllTenants()
    {
        $p = vumaerp_MetricProvider($this->params());
        $usage = $p->usage();
        $this->assertSame(array('acme_ltd', 'beta', 'half_made', 'going'), array_keys($usage), 'keyed by tenant, as the db_name custom field has it');
        $this->assertSame(array('users' => 5, 'disk' => 2.0), self::values($usage['acme_ltd']), 'an active tenant: from its status');
        $this->assertSame(array('users' => null, 'disk' => 3.5), self::values($usage['beta']), 'a suspended one: its listed disk, no users');
        $this->assertSame(array('users' => null, 'disk' => null), self::values($usage['half_made']));
        $this->assertEqualsWithDelta(5 / self::GIB, self::values($usage['going'])['disk'], 1e-6);
        $urls = array_map(function ($c) {
            return $c['request']['url'];
        }, $GLOBALS['vumaerp_logged_calls']);
        $this->assertCount(2, $urls, 'one list, one status (for the one active tenant)');
        $this->assertStringEndsWith('/api/v1/list', $urls[0]);
        $this->assertStringEndsWith('/api/v1/status?db_name=acme_ltd', $urls[1]);
        $this->assertSame($usage, $p->usage(), 'the same run asks no more');
        $this->assertSame($usage['beta'], $p->tenantUsage('beta'));
        $this->assertCount(2, $GLOBALS['vumaerp_logged_calls']);

        $down = vumaerp_MetricProvider($this->params(array('serverport' => $this->downPort())));
        $this->assertSame(array(), $down->usage(), 'the API down: no usage, no exception in WHMCS\'s cron');
        $this->assertSame(array(), $down->tenantUsage('acme_ltd'));
        $logged = end($GLOBALS['vumaerp_logged_calls']);
        $this->assertSame('vumaerp_MetricProvider', $logged['action']);
        $this->assertStringContainsString('Cannot connect', $logged['processed']);
    }

    /* --- the client area ------------------------------------------------------------------ */

    /* Every variable the template prints, and every label it names, is one the module gives;
     * none goes through |escape (the module escaped it already). */
    public function testTheTemplatePrintsOnlyWhatTheModuleEscaped()
    {
        $tpl = file_get_contents(dirname(__DIR__) . '/vumaerp/templates/overview.tpl');
        $vars = vumaerp_ClientArea($this->params())['templateVariables'];
        preg_match_all('/\{(?:if\s+)?\$([A-Za-z_]+)(?:\.([A-Za-z_]+))?([^}]*)\}/', $tpl, $m, PREG_SET_ORDER);
        $this->assertGreaterThan(10, count($m));
        foreach ($m as $use) {
            $this->assertArrayHasKey($use[1], $vars, $use[0]);
            if ($use[2] !== '') {
                $this->assertArrayHasKey($use[2], $vars[$use[1]], $use[0]);
            }
            $this->assertStringNotContainsString('escape', $use[3], "$use[0]: escaped twice");
            $this->assertStringNotContainsString('nofilter', $use[3], $use[0]);
        }
        $this->assertStringContainsString('{$vumaerpSsoUrl}', $tpl, 'the single sign-on button');
        $this->assertStringContainsString('{if $vumaerpPlan}<tr><th>{$vumaerpText.plan}</th><td>{$vumaerpPlan}</td></tr>{/if}', $tpl,
            'the plan, on a server with plans');
    }

    /* Every string a template variable holds, flattened. */
    private static function strings(array $vars)
    {
        $out = array();
        array_walk_recursive($vars, function ($v, $k) use (&$out) {
            if (is_string($v)) {
                $out[$k] = $v;
            }
        });
        return $out;
    }

    public function testAnActiveTenant()
    {
        $ca = vumaerp_ClientArea($this->params(array('configoption4' => '4096')));
        $v = $ca['templateVariables'];
        $this->assertSame('templates/overview.tpl', $ca['tabOverviewModuleOutputTemplate']);
        $this->assertSame('', $v['vumaerpError']);
        $this->assertSame('https://acme-ltd.vumacloud.test', $v['vumaerpUrl']);
        $this->assertSame('https://acme-ltd.vumacloud.test/web/login', $v['vumaerpLoginUrl']);
        $this->assertSame('clientarea.php?action=productdetails&amp;id=42&amp;dosinglesignon=1',
            $v['vumaerpSsoUrl'], 'WHMCS\'s own single sign-on request, escaped for the href');
        $this->assertSame('owner@acme.co.ke', $v['vumaerpLogin']);
        $this->assertSame('active', $v['vumaerpState']);
        $this->assertSame('Active', $v['vumaerpStateText']);
        $this->assertSame('5', $v['vumaerpUsers']);
        $this->assertSame('2.00 GB of 4.00 GB', $v['vumaerpStorage'], 'the product\'s disk limit');
        $this->assertSame('Kenya', $v['vumaerpCountry']);
        $this->assertSame('Acme Ltd', $v['vumaerpCompany']);
        $this->assertFalse($v['vumaerpSuspended']);
        $this->assertSame('', $v['vumaerpSuspendReason']);
        $this->assertSame('english', $v['vumaerpLanguage']);
        $this->assertSame('Log in to VumaERP', $v['vumaerpText']['log_in']);
        $this->assertSame('2.00 GB', vumaerp_ClientArea($this->params())['templateVariables']['vumaerpStorage'], 'no limit');
        $this->assertSame('', $v['vumaerpPlan'], 'a server without plans: no plan shown');
    }

    /* On a server with plans: the plan (escaped like every value) and "users X of Y". */
    public function testATenantOnAPlan()
    {
        $gamma = array('customfields' => array('db_name' => 'gamma'));
        $v = vumaerp_ClientArea($this->params($gamma))['templateVariables'];
        $this->assertSame('', $v['vumaerpError']);
        $this->assertSame('team&lt;b&gt;', $v['vumaerpPlan']);
        $this->assertSame('Plan', $v['vumaerpText']['plan']);
        $this->assertSame('3 of 5', $v['vumaerpUsers']);
        $fr = vumaerp_ClientArea($this->params($gamma + array('clientsdetails' => array('language' => 'french'))))['templateVariables'];
        $this->assertSame('3 sur 5', $fr['vumaerpUsers']);
        $this->assertSame('Offre', $fr['vumaerpText']['plan']);
        $sw = vumaerp_ClientArea($this->params($gamma + array('clientsdetails' => array('language' => 'swahili'))))['templateVariables'];
        $this->assertSame('3 kati ya 5', $sw['vumaerpUsers']);
        $this->assertSame('Mpango', $sw['vumaerpText']['plan']);
    }

    public function testASuspendedTenantSaysSoAndWhyEscaped()
    {
        $p = $this->params(array('customfields' => array('db_name' => 'beta')));
        $v = vumaerp_ClientArea($p)['templateVariables'];
        $this->assertTrue($v['vumaerpSuspended']);
        $this->assertSame('suspended', $v['vumaerpState']);
        $this->assertSame('Suspended', $v['vumaerpStateText']);
        $this->assertSame('', $v['vumaerpLoginUrl'], 'no login button: nobody can enter a suspended ERP');
        $this->assertSame('', $v['vumaerpSsoUrl'], 'no single sign-on button either');
        $this->assertSame('—', $v['vumaerpUsers']);
        $this->assertSame(htmlspecialchars(self::HOSTILE_COMPANY, ENT_QUOTES, 'UTF-8'), $v['vumaerpCompany']);
        $this->assertSame('Reason: ' . htmlspecialchars(self::HOSTILE_REASON, ENT_QUOTES, 'UTF-8'), $v['vumaerpSuspendReason']);
        $this->assertStringContainsString('suspended', $v['vumaerpText']['suspended_notice']);
        foreach (self::strings($v) as $k => $s) {
            $this->assertDoesNotMatchRegularExpression('/[<>"]/', $s, "$k holds markup: $s");
            $this->assertDoesNotMatchRegularExpression("/'/", $s, "$k holds a quote: $s");
            $this->assertDoesNotMatchRegularExpression('/&(?!(amp|lt|gt|quot|#0?39);)/', $s, "$k holds a bare &: $s");
        }
    }

    public function testTheClientsLanguage()
    {
        $beta = array('customfields' => array('db_name' => 'beta'));
        $fr = vumaerp_ClientArea($this->params($beta + array('clientsdetails' => array('language' => 'French'))))['templateVariables'];
        $this->assertSame('french', $fr['vumaerpLanguage']);
        $this->assertSame('Suspendu', $fr['vumaerpStateText']);
        $this->assertSame('Motif : ' . htmlspecialchars(self::HOSTILE_REASON, ENT_QUOTES, 'UTF-8'), $fr['vumaerpSuspendReason']);
        $this->assertSame('Cet ERP est suspendu : personne ne peut s&#039;y connecter avant sa réactivation. '
            . 'Veuillez régler toute facture en attente ou contacter le support.', $fr['vumaerpText']['suspended_notice'], 'labels are escaped too');

        $sw = vumaerp_ClientArea($this->params(array('clientsdetails' => array('language' => 'swahili'), 'configoption4' => '4096')))['templateVariables'];
        $this->assertSame('swahili', $sw['vumaerpLanguage']);
        $this->assertSame('Inatumika', $sw['vumaerpStateText']);
        $this->assertSame('2.00 GB kati ya 4.00 GB', $sw['vumaerpStorage']);
        $this->assertSame('Ingia kwenye VumaERP', $sw['vumaerpText']['log_in']);

        $this->assertSame('english', vumaerp_language(array('clientsdetails' => array('language' => 'klingon'))), 'no file: English');
        $this->assertSame('english', vumaerp_language(array('clientsdetails' => array('language' => '../lang/french'))));
        $this->assertSame('english', vumaerp_language(array()));
        $GLOBALS['CONFIG'] = array('Language' => 'swahili');
        $this->assertSame('swahili', vumaerp_language(array()), 'WHMCS\'s default language');
        $this->assertSame('french', vumaerp_language(array('clientsdetails' => array('language' => 'french'))), 'the client\'s own wins');
        $this->assertSame('swahili', vumaerp_language(array('clientsdetails' => array('language' => ''))));
        unset($GLOBALS['CONFIG']);

        $down = vumaerp_ClientArea($this->params(array('serverport' => $this->downPort(), 'clientsdetails' => array('language' => 'swahili'))));
        $this->assertSame('Hali ya ERP haipatikani kwa sasa.', $down['templateVariables']['vumaerpError']);
    }

    /* Every language file is a whole translation: the same keys as English, the same %s. */
    public function testEveryLanguageFileHasEveryString()
    {
        $english = vumaerp_lang_file('english');
        $this->assertGreaterThan(10, count($english));
        $files = glob(dirname(__DIR__) . '/vumaerp/lang/*.php');
        $this->assertSame(array('english.php', 'french.php', 'swahili.php'), array_map('basename', $files));
        foreach ($files as $f) {
            $name = basename($f, '.php');
            $strings = vumaerp_lang_file($name);
            $this->assertSame(array_keys($english), array_keys($strings), "$name has every key, in order");
            foreach ($strings as $k => $s) {
                $this->assertSame(substr_count($english[$k], '%s'), substr_count($s, '%s'), "$name $k: as many %s");
                $this->assertNotSame('', trim($s), "$name $k");
            }
        }
        $this->assertSame(VUMAERP_PASSWORD_FAILED, $english['password_failed']);
        $this->assertSame(VUMAERP_PASSWORD_REFUSED, $english['password_refused']);
    }

    /* WHMCS shows ChangePassword's answer to the client: in the client's language. */
    public function testChangePasswordAnswersInTheClientsLanguage()
    {
        $p = $this->params(array('serverport' => $this->downPort(), 'clientsdetails' => array('language' => 'french')));
        $this->assertSame(vumaerp_lang('french')['password_failed'], vumaerp_ChangePassword($p));
        $this->assertStringStartsWith('Le mot de passe', vumaerp_ChangePassword($p));
        $p['clientsdetails']['language'] = 'english';
        $this->assertSame(VUMAERP_PASSWORD_FAILED, vumaerp_ChangePassword($p));
    }
}
