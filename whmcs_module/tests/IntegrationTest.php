<?php
/* SPDX-License-Identifier: MIT */
/*
 * IntegrationTest.php: the module against the real vumaerp-api (systemd-socket-activate, a real
 * PostgreSQL with the Kenya template), as tests/whmcs-module.sh sets it up: a service's whole
 * life — created (the database there, the admin's password verified by passlib), retried,
 * suspended, unsuspended, its password changed, backed up, its usage read, terminated (a backup
 * file left, the database gone) — plus a wrong token, an API that is down, answers that are not
 * JSON or come too late, and no secret in any logged call.
 *
 * Environment: VUMAERP_TEST_API_PORT, VUMAERP_TEST_TOKEN_FILE, VUMAERP_TEST_BACKUP_DIR, and
 * PGHOST/PGPORT/PGUSER for psql. Skipped without them.
 */

use PHPUnit\Framework\TestCase;
use WHMCS\Database\Capsule;
use WHMCS\Module\Server\Vumaerp\ApiClient;
use WHMCS\Module\Server\Vumaerp\ApiException;

class IntegrationTest extends TestCase
{
    private static $token;
    private static $port;
    private static $stubPort;
    private static $secrets = array();

    public static function setUpBeforeClass(): void
    {
        self::$port = getenv('VUMAERP_TEST_API_PORT');
        $tokenFile = getenv('VUMAERP_TEST_TOKEN_FILE');
        if (!self::$port || !$tokenFile) {
            return;
        }
        $lines = preg_split('/\r?\n/', trim(file_get_contents($tokenFile)));
        self::$token = $lines[0];
        self::$secrets[] = self::$token;
        $GLOBALS['vumaerp_logged_calls'] = array();
        vumaerp_test_database();
        $pdo = Capsule::pdo();
        $pdo->exec("INSERT INTO tblhosting (id, userid, packageid, server, domain, username) VALUES
                    (42, 1, 3, 1, 'www.acme-ltd.co.ke', 'acmeltd'), (43, 2, 3, 1, 'other.example', 'other'),
                    (44, 3, 3, 1, 'acme-ltd.africa', 'acmeafrica'), (45, 4, 3, 1, 'plan-co.example', 'planco')");
        $pdo->exec("INSERT INTO tblproducts (id, name, servertype, configoption1, configoption4) VALUES (3, 'VumaERP', 'vumaerp', 'ng', '2048')");
        $pdo->exec("INSERT INTO tblcustomfields (id, type, relid, fieldname, fieldtype) VALUES
                    (10, 'product', 3, 'country|Country', 'dropdown'), (11, 'product', 3, 'db_name|Database name', 'text')");
        $pdo->exec("INSERT INTO tblcustomfieldsvalues (fieldid, relid, value) VALUES (10, 42, 'ke'), (11, 42, '')");
    }

    protected function setUp(): void
    {
        if (!self::$port) {
            $this->markTestSkipped('no vumaerp-api to test against (run tests/whmcs-module.sh)');
        }
    }

    /* What WHMCS passes for a service (42 unless $extra names another), read from the stand-in
     * database as WHMCS would. */
    private function params(array $extra = array())
    {
        $id = isset($extra['serviceid']) ? (int) $extra['serviceid'] : 42;
        $h = Capsule::table('tblhosting')->where('id', $id)->first();
        $params = array_merge(array(
            'serviceid' => $id, 'pid' => (int) $h->packageid, 'serverid' => 1, 'userid' => (int) $h->userid,
            'serverhostname' => '127.0.0.1', 'serverip' => '127.0.0.1', 'serverport' => self::$port,
            'serversecure' => false, 'serveraccesshash' => self::$token, 'serverpassword' => '',
            'domain' => $h->domain, 'username' => $h->username, 'password' => 'Whmcs "pw" \\ ünï/€ $x\'; --',
            'configoption1' => 'ng', 'configoption2' => '', 'configoption3' => '120', 'configoption4' => '2048',
            'customfields' => vumaerp_test_custom_fields($id, (int) $h->packageid),
            'model' => new VumaerpTestService($id, (int) $h->packageid),
            'clientsdetails' => array('email' => 'owner@acme.co.ke', 'companyname' => 'Acme Ltd', 'fullname' => 'Wanjiru Kamau'),
        ), $extra);
        self::$secrets[] = $params['password'];
        return $params;
    }

    private static function runCommand(array $cmd, $stdin = '')
    {
        $p = proc_open($cmd, array(0 => array('pipe', 'r'), 1 => array('pipe', 'w'), 2 => array('pipe', 'w')), $pipes);
        fwrite($pipes[0], $stdin);
        fclose($pipes[0]);
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        return array(proc_close($p), trim($out), $err);
    }

    private static function psql($db, $sql)
    {
        list($rc, $out, $err) = self::runCommand(array('psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', $db, '-c', $sql));
        if ($rc !== 0) {
            throw new RuntimeException("psql: $err");
        }
        return $out;
    }

    /* passlib's verdict on the tenant admin's hash; the password travels on stdin. */
    private function assertAdminPassword($db, $password, $expect = true)
    {
        $hash = self::psql($db, 'SELECT password FROM res_users WHERE id = 2');
        $python = getenv('PASSLIB_PYTHON') ?: '/usr/bin/python3';
        list($rc) = self::runCommand(array($python, '-c',
            "import sys\nfrom passlib.hash import pbkdf2_sha512\npw, h = sys.stdin.read().split('\\n', 1)\n"
            . "sys.exit(0 if pbkdf2_sha512.verify(pw, h) else 1)"), $password . "\n" . $hash);
        $this->assertSame($expect ? 0 : 1, $rc, "passlib on $db's admin password");
    }

    private function dbState($db)
    {
        return self::psql('postgres', "SELECT coalesce((SELECT datallowconn::text FROM pg_database WHERE datname = '$db'), 'absent')");
    }

    public function testCreateAccount()
    {
        $p = $this->params();
        $this->assertSame('', $p['customfields']['db_name']);
        ob_start();
        $r = vumaerp_CreateAccount($p);
        $this->assertSame('', ob_get_clean());
        $this->assertSame('success', $r);
        $this->assertSame('true', $this->dbState('acme_ltd'), 'the database exists and accepts connections');
        $this->assertAdminPassword('acme_ltd', $p['password']);
        $this->assertAdminPassword('acme_ltd', $p['password'] . 'x', false);
        $this->assertSame('owner@acme.co.ke', self::psql('acme_ltd', 'SELECT login FROM res_users WHERE id = 2'));
        $this->assertSame('Acme Ltd', self::psql('acme_ltd', 'SELECT name FROM res_company WHERE id = 1'));
        $this->assertSame('ke|42', self::psql('vumaerp', "SELECT country || '|' || whmcs_service_id FROM tenants WHERE db_name = 'acme_ltd'"),
            'the country custom field wins over the product default, and the service id is recorded');
        $this->assertSame('acme_ltd', $this->params()['customfields']['db_name'], 'the derived name is saved to the custom field');
        $h = Capsule::table('tblhosting')->where('id', 42)->first();
        $this->assertSame('acme-ltd.vumacloud.test', $h->domain, 'the tenant URL is stored on the service');
        $this->assertSame('owner@acme.co.ke', $h->username,
            'the service\'s username, which the welcome email shows, is the Odoo login (was acmeltd, WHMCS\'s own)');
    }

    /**
     * @depends testCreateAccount
     */
    public function testRetriedCreateAccountSucceeds()
    {
        $this->assertSame('success', vumaerp_CreateAccount($this->params()));
        /* Without the custom field in WHMCS's parameters: the service's model has the kept name. */
        $this->assertSame('success', vumaerp_CreateAccount($this->params(array('customfields' => array('country' => 'ke')))));
        $this->assertAdminPassword('acme_ltd', $this->params()['password']);
        /* The service's country changed since the first Create: not "already exists" (the ERP is
         * this service's), not a success (it is Kenya's, not Nigeria's): what happened and what to do. */
        $hash = self::psql('acme_ltd', 'SELECT password FROM res_users WHERE id = 2');
        $r = vumaerp_CreateAccount($this->params(array('customfields' => array('country' => 'ng', 'db_name' => 'acme_ltd'),
            'password' => 'Another password 2')));
        $this->assertSame('This service\'s ERP acme_ltd was created for Kenya (ke), and an ERP\'s country cannot change: set the '
            . 'service\'s country back to ke and Create again, or terminate the service first to create it for Nigeria (ng).', $r);
        $this->assertSame('ke|42', self::psql('vumaerp', "SELECT country || '|' || whmcs_service_id FROM tenants WHERE db_name = 'acme_ltd'"));
        $this->assertSame($hash, self::psql('acme_ltd', 'SELECT password FROM res_users WHERE id = 2'), 'nothing changed');
        $r = vumaerp_CreateAccount($this->params(array('serviceid' => 43, 'customfields' => array('db_name' => 'acme_ltd'))));
        $this->assertStringContainsString('already exists', $r, 'another service asking for the name');
        $this->assertStringContainsString('db_exists', $r);
    }

    /**
     * Another customer whose domain derives the same name (acme-ltd.africa: acme_ltd): the API
     * refuses the name, and nothing is kept on that service, so none of its later calls names
     * the first customer's tenant by a saved name. (That the API also refuses such a call by the
     * service it names is the API's part of issue 13, item 1.)
     *
     * @depends testCreateAccount
     */
    public function testAnotherCustomersCreateDerivingTheSameNameKeepsNothing()
    {
        $p = $this->params(array('serviceid' => 44));
        $this->assertSame('acme_ltd', vumaerp_db_name($p));
        $r = vumaerp_CreateAccount($p);
        $this->assertStringContainsString('db_exists', $r);
        $this->assertSame(array('country' => '', 'db_name' => ''), vumaerp_test_custom_fields(44, 3), 'no name kept');
        $h = Capsule::table('tblhosting')->where('id', 44)->first();
        $this->assertSame(array('acme-ltd.africa', 'acmeafrica'), array($h->domain, $h->username), 'nothing written to the service');
        $this->assertSame('42', self::psql('vumaerp', "SELECT whmcs_service_id FROM tenants WHERE db_name = 'acme_ltd'"));
        $logged = end($GLOBALS['vumaerp_logged_calls']);
        $this->assertSame(44, $logged['request']['fields']['whmcs_service_id'], 'the API was told which service asked');
    }

    /**
     * The API's part of issue 13, item 1: a service whose calls name another service's tenant
     * (its db_name field set by hand to the other's name) is refused by the API itself, with the
     * reason shown, and nothing changes.
     *
     * @depends testCreateAccount
     */
    public function testAnotherServicesCallsAreRefused()
    {
        $p = $this->params(array('serviceid' => 44, 'customfields' => array('db_name' => 'acme_ltd')));
        $this->assertSame('acme_ltd', vumaerp_db_name($p));
        $state = $this->dbState('acme_ltd');
        foreach (array('vumaerp_SuspendAccount', 'vumaerp_UnsuspendAccount', 'vumaerp_TerminateAccount') as $action) {
            $r = $action($p);
            $this->assertStringContainsString('belongs to WHMCS service 42, not to service 44', $r, $action);
            $this->assertStringContainsString('(HTTP 409, owned_by_another_service)', $r, $action);
        }
        $this->assertSame($state, $this->dbState('acme_ltd'), 'nothing changed');
        $this->assertSame('42', self::psql('vumaerp', "SELECT whmcs_service_id FROM tenants WHERE db_name = 'acme_ltd'"));
    }

    /**
     * @depends testCreateAccount
     */
    public function testSuspendUnsuspendAndWhatAdminsAndClientsSee()
    {
        $f = vumaerp_AdminServicesTabFields($this->params());
        $this->assertSame('active', $f['State']);
        $this->assertSame('Acme Ltd', $f['Company']);
        $this->assertSame('Kenya (ke)', $f['Country']);
        $this->assertSame('owner@acme.co.ke', $f['Admin login']);
        $this->assertSame('none', $f['Last backup']);

        /* The service's domain and username changed since: the kept name still leads to its tenant. */
        $p = $this->params(array('suspendreason' => 'Overdue on Invoice #12 <b>', 'domain' => 'www.renamed.example', 'username' => 'renamed'));
        $this->assertSame('acme_ltd', vumaerp_db_name($p));
        $this->assertSame('success', vumaerp_SuspendAccount($p));
        $this->assertSame('false', $this->dbState('acme_ltd'));
        $this->assertSame('suspended', vumaerp_AdminServicesTabFields($p)['State']);
        $ca = vumaerp_ClientArea($p);
        $this->assertSame('suspended', $ca['templateVariables']['vumaerpState']);
        $this->assertSame('https://acme-ltd.vumacloud.test', $ca['templateVariables']['vumaerpUrl']);
        $this->assertSame('Kenya', $ca['templateVariables']['vumaerpCountry']);
        /* The client is told, with the reason the API kept, escaped; and WHMCS's sync and usage
         * billing see it suspended, with no users counted. */
        $this->assertTrue($ca['templateVariables']['vumaerpSuspended']);
        $this->assertSame('Reason: Overdue on Invoice #12 &lt;b&gt;', $ca['templateVariables']['vumaerpSuspendReason']);
        $this->assertSame('', $ca['templateVariables']['vumaerpLoginUrl']);
        $this->assertSame('Suspended', $this->syncAccount('acme_ltd')['status']);
        $usage = $this->usageValues(vumaerp_MetricProvider($this->params())->tenantUsage('acme_ltd'));
        $this->assertNull($usage['users'], 'a suspended tenant is not entered to count its users');
        $this->assertGreaterThan(0, $usage['disk']);
        $this->assertSame('success', vumaerp_SuspendAccount($p), 'suspending twice');

        $this->assertSame('success', vumaerp_UnsuspendAccount($p));
        $this->assertSame('true', $this->dbState('acme_ltd'));
        $this->assertSame('active', vumaerp_ClientArea($p)['templateVariables']['vumaerpState']);
    }

    /* The account server sync sees for a tenant. */
    private function syncAccount($db)
    {
        $r = vumaerp_ListAccounts($this->params());
        $this->assertTrue($r['success'], isset($r['error']) ? $r['error'] : '');
        foreach ($r['accounts'] as $a) {
            if ($a['uniqueIdentifier'] === $db) {
                return $a;
            }
        }
        $this->fail("no account $db in " . json_encode($r));
    }

    /* A tenant's metrics' usage values by name (null: none). */
    private function usageValues(array $metrics)
    {
        $out = array();
        foreach ($metrics as $m) {
            $out[$m->systemName()] = $m->usage() ? $m->usage()->value() : null;
        }
        return $out;
    }

    /**
     * Server sync, usage billing and the client area of an active tenant, against what its
     * database says.
     *
     * @depends testCreateAccount
     */
    public function testServerSyncUsageAndClientArea()
    {
        $a = $this->syncAccount('acme_ltd');
        $this->assertSame('owner@acme.co.ke', $a['email']);
        $this->assertSame('owner@acme.co.ke', $a['username']);
        $this->assertSame('acme-ltd.vumacloud.test', $a['domain']);
        $this->assertSame('ke', $a['product']);
        $this->assertSame('Active', $a['status']);
        $this->assertSame(42, $a['whmcs_service_id']);
        $this->assertMatchesRegularExpression('/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/', $a['created']);
        $this->assertSame(self::psql('vumaerp', "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM tenants WHERE db_name = 'acme_ltd'"),
            $a['created']);
        /* WHMCS matches it to the service whose db_name custom field names it. */
        $this->assertSame($a['uniqueIdentifier'], $this->params()['customfields']['db_name']);

        $users = (int) self::psql('acme_ltd', 'SELECT count(*) FROM res_users WHERE active AND NOT coalesce(share, false)');
        $this->assertGreaterThan(0, $users);
        $provider = vumaerp_MetricProvider($this->params());
        $one = $this->usageValues($provider->tenantUsage('acme_ltd'));
        $this->assertSame($users, $one['users'], 'active internal users, as SQL counts them');
        $bytes = (int) self::psql('postgres', "SELECT pg_database_size('acme_ltd')");
        $this->assertEqualsWithDelta($bytes / 1073741824, $one['disk'], 0.01, 'the database, in GB (no files yet)');
        /* An attachment of 512 MiB in the tenant's filestore (sparse: its size is what counts). */
        $dir = getenv('VUMAERP_TEST_FILESTORE_DIR') . '/acme_ltd/zz';
        $this->assertTrue(is_dir($dir) || mkdir($dir, 0750, true));
        $f = fopen("$dir/zz0123456789", 'x');
        $this->assertTrue(ftruncate($f, 512 * 1048576));
        fclose($f);
        try {
            $one = $this->usageValues(vumaerp_MetricProvider($this->params())->tenantUsage('acme_ltd'));
            $this->assertEqualsWithDelta(($bytes + 512 * 1048576) / 1073741824, $one['disk'], 0.01, 'the database and its files, in GB');
        } finally {
            unlink("$dir/zz0123456789");
        }
        $all = vumaerp_MetricProvider($this->params())->usage();
        $this->assertArrayHasKey('acme_ltd', $all);
        $this->assertSame($users, $this->usageValues($all['acme_ltd'])['users']);
        self::psql('acme_ltd', "UPDATE res_users SET share = true WHERE id = 2");
        $this->assertSame($users - 1, $this->usageValues(vumaerp_MetricProvider($this->params())->tenantUsage('acme_ltd'))['users'],
            'a portal (share) user is not billed');
        self::psql('acme_ltd', "UPDATE res_users SET share = false WHERE id = 2");

        $v = vumaerp_ClientArea($this->params(array('clientsdetails' => array('language' => 'swahili'))))['templateVariables'];
        $this->assertSame('', $v['vumaerpError']);
        $this->assertFalse($v['vumaerpSuspended']);
        $this->assertSame('solo', $v['vumaerpPlan'], 'provisioned on the server\'s default plan (the product names none)');
        $this->assertSame($users . ' kati ya 1', $v['vumaerpUsers'], 'its users of the plan\'s cap');
        $this->assertSame('owner@acme.co.ke', $v['vumaerpLogin']);
        $this->assertSame('Acme Ltd', $v['vumaerpCompany']);
        $this->assertSame('Inatumika', $v['vumaerpStateText']);
        $this->assertMatchesRegularExpression('/^\d+\.\d MB kati ya 2\.00 GB$/', $v['vumaerpStorage']);
        $this->assertSame('https://acme-ltd.vumacloud.test/web/login', $v['vumaerpLoginUrl']);
    }

    /* The registry's record of what a tenant bought: plan:extra_users:max_users. */
    private static function bought($db)
    {
        return self::psql('vumaerp', "SELECT coalesce(plan, '-') || ':' || extra_users || ':' || coalesce(max_users::text, '-') FROM tenants WHERE db_name = '$db'");
    }

    /* The Plan dropdown, filled by its Loader from the real API's plans.yaml (whmcs-module.sh
     * writes three plans), in its order; a wrong token says so instead. */
    public function testPlanLoaderListsTheServersPlans()
    {
        $this->assertSame(array(
            'solo' => 'Solo: 1 user, 1024 MB (the default)',
            'team' => 'Team: 3 users, 2048 MB',
            'big' => 'Big: 10 users, 4096 MB',
        ), vumaerp_PlanLoader($this->params()));
        try {
            vumaerp_PlanLoader($this->params(array('serveraccesshash' => 'wrong-token-0123456789abcdef')));
            $this->fail('a wrong token filled the dropdown');
        } catch (\Exception $e) {
            $this->assertStringStartsWith('Cannot list the VumaERP server\'s plans: ', $e->getMessage());
            $this->assertStringContainsString('token', $e->getMessage());
        }
    }

    /* Plans through WHMCS: provisioning on the product's plan with the service's extra users,
     * then ChangePackage: a downgrade below the tenant's users refused (409) with nothing
     * changed, an upgrade applied at once, extra users that make a smaller plan fit, and a new
     * product that names no plan refused on a server with plans. */
    public function testPlans()
    {
        $service = array('serviceid' => 45, 'customfields' => array('country' => 'ke', 'db_name' => 'plan_co'));
        $p = $this->params($service + array('configoption5' => 'team', 'configoptions' => array('Extra Users' => '1')));
        $this->assertSame('success', vumaerp_CreateAccount($p));
        $this->assertSame('team:1:4', self::bought('plan_co'), 'the product\'s plan and the service\'s extra users');

        /* Two more internal users, as Odoo's ORM writes them: three of four. */
        foreach (array('clerk1@plan.co', 'clerk2@plan.co') as $login) {
            self::psql('plan_co', "INSERT INTO res_users (company_id, partner_id, login, notification_type)
                                   VALUES (1, (SELECT partner_id FROM res_users WHERE id = 2), '$login', 'email');
                                   UPDATE res_users SET share = false WHERE login = '$login'");
        }
        $users = (int) self::psql('plan_co', 'SELECT count(*) FROM res_users WHERE active AND NOT coalesce(share, false) AND id <> 1');
        $this->assertSame(3, $users);

        /* Downgrade to a plan of one user: refused, nothing changed; the client reads why. (The
         * module log is kept whole: testNoLoggedCallHoldsASecret reads every call.) */
        $this->assertSame(VUMAERP_PLAN_OVER_CAP, vumaerp_ChangePackage($this->params($service + array('configoption5' => 'solo'))));
        $this->assertSame('team:1:4', self::bought('plan_co'), 'nothing changed');
        $logged = end($GLOBALS['vumaerp_logged_calls']);
        $this->assertStringEndsWith('/api/v1/plan', $logged['request']['url']);
        $this->assertSame('users_over_cap', json_decode($logged['response'], true)['code'], 'the API\'s answer is in the module log');

        /* Upgrade: applied at once, journaled; the client area shows it. */
        $this->assertSame('success', vumaerp_ChangePackage($this->params($service + array('configoption5' => 'big',
            'configoptions' => array('Extra Users' => 2)))));
        $this->assertSame('big:2:12', self::bought('plan_co'));
        $this->assertSame('{"to": "big", "from": "team", "users": 3, "extra_users": 2, "max_users_to": 12, "max_users_from": 4}',
            self::psql('vumaerp', "SELECT detail->'plan' FROM operations WHERE db_name = 'plan_co' AND action = 'plan' AND outcome = 'ok' ORDER BY id DESC LIMIT 1"));
        $v = vumaerp_ClientArea($this->params($service))['templateVariables'];
        $this->assertSame('', $v['vumaerpError']);
        $this->assertSame('big', $v['vumaerpPlan']);
        $this->assertSame('3 of 12', $v['vumaerpUsers']);

        /* The smaller plan with enough extra users fits. */
        $this->assertSame('success', vumaerp_ChangePackage($this->params($service + array('configoption5' => 'solo',
            'configoptions' => array('Extra Users' => '2')))));
        $this->assertSame('solo:2:3', self::bought('plan_co'));
        $this->assertSame('3 of 3', vumaerp_ClientArea($this->params($service))['templateVariables']['vumaerpUsers']);

        /* A bad Extra Users value, and a product naming no plan: refused, nothing sent or changed. */
        $r = vumaerp_ChangePackage($this->params($service + array('configoption5' => 'big', 'configoptions' => array('Extra Users' => '-3'))));
        $this->assertStringContainsString('Extra Users option must be a whole number', $r);
        $r = vumaerp_ChangePackage($this->params($service));
        $this->assertStringContainsString('names no plan', $r);
        $this->assertStringContainsString('on the plan solo', $r);
        $this->assertSame('solo:2:3', self::bought('plan_co'));
    }

    /**
     * @depends testCreateAccount
     */
    public function testChangePassword()
    {
        $new = 'Changed by the client ✓ "x" \\ /';
        $this->assertSame('success', vumaerp_ChangePassword($this->params(array('password' => $new))));
        $this->assertAdminPassword('acme_ltd', $new);
        $this->assertAdminPassword('acme_ltd', $this->params()['password'], false);
    }

    /**
     * @depends testCreateAccount
     */
    public function testSingleSignOn()
    {
        $p = $this->params();
        $r = vumaerp_ServiceSingleSignOn($p);
        $this->assertTrue($r['success'], print_r($r, true));
        $this->assertMatchesRegularExpression('#^https://acme-ltd\.vumacloud\.test/vumaerp/sso\?token=[A-Za-z0-9_-]{43}$#', $r['redirectTo']);
        $token = substr($r['redirectTo'], strpos($r['redirectTo'], 'token=') + 6);
        self::$secrets[] = $token;
        $this->assertSame(hash('sha256', $token), self::psql('vumaerp',
            "SELECT encode(token_hash, 'hex') FROM sso_tokens WHERE db_name = 'acme_ltd' AND kind = 'link' AND used_at IS NULL"),
            'only the token\'s hash is stored');
        $logged = end($GLOBALS['vumaerp_logged_calls']);
        $this->assertSame('vumaerp_ServiceSingleSignOn', $logged['action']);
        $this->assertStringContainsString('/api/v1/sso', $logged['stored']);
        $this->assertStringContainsString('token=********', $logged['stored'], 'the link is logged, its token masked');
        $this->assertStringNotContainsString($token, $logged['stored']);

        /* Suspended: refused, and the page says nothing of why. */
        $this->assertSame('success', vumaerp_SuspendAccount($p));
        $r = vumaerp_ServiceSingleSignOn($p);
        $this->assertSame(array('success' => false, 'errorMsg' => VUMAERP_SSO_FAILED), $r);
        $this->assertStringContainsString('tenant_suspended', end($GLOBALS['vumaerp_logged_calls'])['stored']);
        $this->assertSame('success', vumaerp_UnsuspendAccount($p));

        /* Another service naming this tenant: refused. */
        $r = vumaerp_ServiceSingleSignOn($this->params(array('serviceid' => 43, 'customfields' => array('db_name' => 'acme_ltd'))));
        $this->assertFalse($r['success']);
        $this->assertStringContainsString('owned_by_another_service', end($GLOBALS['vumaerp_logged_calls'])['stored']);
    }

    /**
     * @depends testCreateAccount
     */
    public function testButtonsUsageAndTestConnection()
    {
        $p = $this->params();
        $this->assertSame('success', vumaerp_backupNow($p));
        $this->assertNotSame('none', vumaerp_AdminServicesTabFields($p)['Last backup']);
        $this->assertCount(1, glob(getenv('VUMAERP_TEST_BACKUP_DIR') . '/acme_ltd/acme_ltd-*.dump'));

        $pdo = Capsule::pdo();
        $pdo->exec("UPDATE tblhosting SET diskusage = 0, disklimit = 0, lastupdate = '0000-00-00 00:00:00'");
        $this->assertSame('success', vumaerp_refreshStatus($p));
        $row = Capsule::table('tblhosting')->where('id', 42)->first();
        $this->assertGreaterThan(1, (int) $row->diskusage, 'an Odoo database is several MB');
        $this->assertSame(2048, (int) $row->disklimit, 'the product\'s disk limit');
        $this->assertNotSame('0000-00-00 00:00:00', $row->lastupdate);

        $pdo->exec("UPDATE tblhosting SET diskusage = 0, disklimit = 0, lastupdate = '0000-00-00 00:00:00'");
        $this->assertSame('success', vumaerp_UsageUpdate($p));
        $rows = $pdo->query('SELECT id, diskusage, disklimit, lastupdate FROM tblhosting ORDER BY id')->fetchAll(PDO::FETCH_NUM);
        $this->assertGreaterThan(1, (int) $rows[0][1], 'service 42');
        $this->assertSame(2048, (int) $rows[0][2], 'service 42: its product\'s disk limit, from tblproducts');
        $this->assertSame(0, (int) $rows[1][1], 'service 43 has no tenant');
        $this->assertSame('0000-00-00 00:00:00', $rows[1][3]);
        $this->assertSame('success', vumaerp_UsageUpdate($this->params(array('serverid' => 2))));
        $this->assertSame(0, (int) $pdo->query('SELECT count(*) FROM tblhosting WHERE diskusage > 0 AND server = 2')->fetchColumn());

        $t = vumaerp_TestConnection($p);
        $this->assertSame(array('success' => true, 'error' => ''), $t);
    }

    public function testWrongToken()
    {
        $p = $this->params(array('serveraccesshash' => 'wrong-token-of-decent-length'));
        self::$secrets[] = 'wrong-token-of-decent-length';
        $t = vumaerp_TestConnection($p);
        $this->assertFalse($t['success']);
        $this->assertStringContainsString('refused the API token (HTTP 401)', $t['error']);
        $r = vumaerp_SuspendAccount($p);
        $this->assertStringContainsString('refused the API token', $r);
        $this->assertStringNotContainsString('wrong-token', $r);
        $this->assertSame(VUMAERP_PASSWORD_FAILED, vumaerp_ChangePassword($p), 'the client is told nothing of the token');
        $logged = end($GLOBALS['vumaerp_logged_calls']);
        $this->assertStringContainsString('refused the API token', $logged['processed'], 'the module log is');
    }

    public function testApiDown()
    {
        $sock = stream_socket_server('tcp://127.0.0.1:0');
        $name = stream_socket_get_name($sock, false);
        fclose($sock);
        $p = $this->params(array('serverport' => (int) substr($name, strrpos($name, ':') + 1)));
        $r = vumaerp_UnsuspendAccount($p);
        $this->assertStringStartsWith('Cannot connect to the VumaERP API at http://127.0.0.1:', $r);
        $this->assertStringContainsString('vumaerp-api.socket', $r);
        $t = vumaerp_TestConnection($p);
        $this->assertFalse($t['success']);
        // The same answer from both, but for the time libcurl took to be refused ("after 0 ms"
        // once, "after 8 ms" on a loaded machine).
        $untimed = function ($s) { return preg_replace('/after \d+ ms/', 'after N ms', $s); };
        $this->assertSame($untimed($r), $untimed($t['error']));
    }

    /* Something at the port that is not vumaerp-api: PHP's own server with a router. */
    private function stub()
    {
        if (!self::$stubPort) {
            self::$stubPort = vumaerp_test_stub(<<<'PHP'
<?php
$p = parse_url($_SERVER["REQUEST_URI"], PHP_URL_PATH);
if ($p === "/slow/health") { sleep(4); echo "{}"; return true; }
if ($p === "/html/health") { http_response_code(502); echo "<html><body><h1>502 Bad Gateway</h1></body></html>"; return true; }
if ($p === "/json500/api/v1/list") { http_response_code(500); header("Content-Type: application/json");
    echo json_encode(array("success" => false, "error" => "the action crashed", "code" => "action_crashed")); return true; }
http_response_code(404); echo "not found";
return true;
PHP
            );
        }
        return self::$stubPort;
    }

    public function testAnswersThatAreNotTheApis()
    {
        $port = $this->stub();
        $t = vumaerp_TestConnection($this->params(array('serverhostname' => '127.0.0.1/html', 'serverport' => $port)));
        $this->assertFalse($t['success']);
        $this->assertStringContainsString('answered HTTP 502 with something that is not JSON ("502 Bad Gateway")', $t['error']);

        $r = vumaerp_UsageUpdate($this->params(array('serverhostname' => '127.0.0.1/json500', 'serverport' => $port)));
        $this->assertSame('VumaERP: the action crashed (HTTP 500, action_crashed).', $r);

        $client = new ApiClient('http://127.0.0.1:' . $port . '/slow', self::$token, 1);
        $start = microtime(true);
        try {
            $client->request('GET', '/health', array(), false);
            $this->fail('no timeout');
        } catch (ApiException $e) {
            $this->assertStringStartsWith('The VumaERP API did not answer within 1 seconds', $e->getMessage());
        }
        $this->assertLessThan(3.5, microtime(true) - $start);
    }

    /**
     * @depends testCreateAccount
     */
    public function testTerminateAccount()
    {
        $p = $this->params();
        $before = glob(getenv('VUMAERP_TEST_BACKUP_DIR') . '/acme_ltd/acme_ltd-*.dump');
        $this->assertSame('success', vumaerp_TerminateAccount($p));
        $this->assertSame('absent', $this->dbState('acme_ltd'), 'the database is gone');
        $after = glob(getenv('VUMAERP_TEST_BACKUP_DIR') . '/acme_ltd/acme_ltd-*.dump');
        $this->assertCount(count($before) + 1, $after, 'termination backed the tenant up first');
        foreach (array_diff($after, $before) as $dump) {
            $this->assertGreaterThan(10000, filesize($dump));
            $this->assertFileExists($dump . '.sha256');
        }
        $this->assertSame('success', vumaerp_TerminateAccount($p), 'a repeated termination');
        $this->assertStringContainsString('no_such_tenant', vumaerp_SuspendAccount($p));
    }

    /**
     * Runs last: every call logged so far, as WHMCS would store it.
     */
    public function testNoLoggedCallHoldsASecret()
    {
        $calls = $GLOBALS['vumaerp_logged_calls'];
        $this->assertGreaterThan(20, count($calls));
        $actions = array_unique(array_map(function ($c) {
            return $c['action'];
        }, $calls));
        foreach (array('vumaerp_CreateAccount', 'vumaerp_SuspendAccount', 'vumaerp_UnsuspendAccount', 'vumaerp_TerminateAccount',
            'vumaerp_ChangePassword', 'vumaerp_ChangePackage', 'vumaerp_TestConnection', 'vumaerp_UsageUpdate', 'vumaerp_backupNow',
            'vumaerp_ServiceSingleSignOn') as $a) {
            $this->assertContains($a, $actions, "$a is logged");
        }
        $secrets = array_unique(self::$secrets);
        $secrets[] = 'Changed by the client ✓ "x" \\ /';
        foreach ($calls as $i => $call) {
            $this->assertSame('vumaerp', $call['module']);
            foreach ($secrets as $s) {
                /* The API answers JSON (jansson: \" and \\ escaped): every encoding, not only the
                 * text as given, must be masked. */
                foreach (vumaerp_test_encodings($s) as $encoding => $form) {
                    $this->assertStringNotContainsString($form, $call['stored'], "call $i ({$call['action']}) as stored: $encoding");
                    $this->assertStringNotContainsString($form, print_r(array($call['request'], $call['response'], $call['processed']), true),
                        "call $i ({$call['action']}) as passed: $encoding");
                }
            }
            $this->assertNotEmpty($call['replaceVars'], "call $i ({$call['action']}) names its secrets for WHMCS to scrub");
            /* Every call about a tenant names the service too, and the API takes it (it ignored an
             * unknown field until it learnt this one). */
            /* (Usage billing asks about tenants for the server, not for one service.) */
            if (isset($call['request']['fields']['db_name']) && $call['action'] !== 'vumaerp_MetricProvider') {
                $this->assertIsInt($call['request']['fields']['whmcs_service_id'], "call $i ({$call['action']}) names the service");
            }
        }
        /* The provision call carried the password: it is in that call's replace-vars. */
        $provision = array_values(array_filter($calls, function ($c) {
            return $c['action'] === 'vumaerp_CreateAccount';
        }));
        $this->assertContains($this->params()['password'], $provision[0]['replaceVars']);
        $this->assertContains(self::$token, $provision[0]['replaceVars']);
        $this->assertStringContainsString('/api/v1/provision', $provision[0]['stored']);
        $this->assertStringContainsString('********', print_r($provision[0]['request'], true), 'the password was there, masked');
        /* The API never says a given password back (only one it generated): nothing to mask. */
        $this->assertStringNotContainsString('admin_password', $provision[0]['response'], 'the API does not echo the given password');
    }
}
