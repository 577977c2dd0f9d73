<?php
/* SPDX-License-Identifier: MIT */
/*
 * bootstrap.php: the little of WHMCS the module touches, for PHPUnit — the WHMCS constant,
 * logModuleCall() recording every call (and scrubbing the replace-vars as WHMCS does), and
 * WHMCS\Database\Capsule as a stand-in over a real SQLite database with WHMCS's tblhosting,
 * tblproducts, tblcustomfields and tblcustomfieldsvalues, and the service model's
 * serviceProperties. The stand-in offers only the query-builder calls the module uses:
 * table()->where(column, value)...->get() / first() / update() / insert(). And the usage billing
 * classes (WHMCS\UsageBilling) and WHMCS\Service\Status, as WHMCS documents them.
 */

namespace WHMCS\Database {

    class Capsule
    {
        /** @var \PDO */
        private static $pdo;

        public static function setPdo(\PDO $pdo)
        {
            self::$pdo = $pdo;
        }

        public static function pdo()
        {
            return self::$pdo;
        }

        public static function table($name)
        {
            return new CapsuleQuery(self::$pdo, $name);
        }
    }

    class CapsuleQuery
    {
        private $pdo;
        private $table;
        private $wheres = array();

        public function __construct(\PDO $pdo, $table)
        {
            if (!preg_match('/^[a-z_]+$/', $table)) {
                throw new \InvalidArgumentException("bad table name $table");
            }
            $this->pdo = $pdo;
            $this->table = $table;
        }

        private static function column($c)
        {
            if (!preg_match('/^[a-z_]+$/', $c)) {
                throw new \InvalidArgumentException("bad column name $c");
            }
            return '"' . $c . '"';
        }

        public function where($column, $value)
        {
            if (func_num_args() !== 2) {
                throw new \BadMethodCallException('the stand-in takes where(column, value) only');
            }
            $this->wheres[] = array(self::column($column), $value);
            return $this;
        }

        private function whereSql(array &$args)
        {
            if (!$this->wheres) {
                return '';
            }
            $parts = array();
            foreach ($this->wheres as $w) {
                $parts[] = $w[0] . ' = ?';
                $args[] = $w[1];
            }
            return ' WHERE ' . implode(' AND ', $parts);
        }

        public function get()
        {
            $args = array();
            $st = $this->pdo->prepare('SELECT * FROM ' . $this->table . $this->whereSql($args) . ' ORDER BY id');
            $st->execute($args);
            return $st->fetchAll(\PDO::FETCH_OBJ);
        }

        public function first()
        {
            $args = array();
            $st = $this->pdo->prepare('SELECT * FROM ' . $this->table . $this->whereSql($args) . ' ORDER BY id LIMIT 1');
            $st->execute($args);
            $row = $st->fetch(\PDO::FETCH_OBJ);
            return $row === false ? null : $row;
        }

        public function update(array $values)
        {
            $sets = array();
            $args = array();
            foreach ($values as $c => $v) {
                $sets[] = self::column($c) . ' = ?';
                $args[] = $v;
            }
            $st = $this->pdo->prepare('UPDATE ' . $this->table . ' SET ' . implode(', ', $sets) . $this->whereSql($args));
            $st->execute($args);
            return $st->rowCount();
        }

        public function insert(array $values)
        {
            $cols = array_map(array(__CLASS__, 'column'), array_keys($values));
            $st = $this->pdo->prepare('INSERT INTO ' . $this->table . ' (' . implode(', ', $cols) . ') VALUES ('
                . implode(', ', array_fill(0, count($values), '?')) . ')');
            return $st->execute(array_values($values));
        }
    }
}

/* WHMCS's usage billing classes (7.9+) as classdocs.whmcs.com documents them, reduced to what
 * the module uses: the interfaces with their documented methods, Metric and Usage with their
 * documented constructors, and the units it names. The TYPE_* values are this stand-in's own. */
namespace WHMCS\UsageBilling\Contracts\Metrics {

    interface UsageInterface
    {
        public function collectedAt();
        public function startAt();
        public function endAt();
        public function value();
    }

    interface UnitInterface
    {
        public function name();
    }

    interface MetricInterface
    {
        const TYPE_SNAPSHOT = 'snapshot';
        const TYPE_PERIOD_DAY = 'day';
        const TYPE_PERIOD_MONTH = 'month';
        public function usage();
        public function withUsage(UsageInterface $usage = null);
        public function units();
        public function systemName();
        public function displayName();
        public function type();
    }

    interface ProviderInterface
    {
        public function metrics();
        public function usage();
        public function tenantUsage($tenant);
    }
}

namespace WHMCS\UsageBilling\Metrics {

    use WHMCS\UsageBilling\Contracts\Metrics\MetricInterface;
    use WHMCS\UsageBilling\Contracts\Metrics\UnitInterface;
    use WHMCS\UsageBilling\Contracts\Metrics\UsageInterface;

    class Usage implements UsageInterface
    {
        private $value;
        private $collectedAt;

        public function __construct($value, $collectedAt = null, $startAt = null, $endAt = null)
        {
            $this->value = $value;
            $this->collectedAt = $collectedAt === null ? time() : $collectedAt;
        }

        public function collectedAt()
        {
            return $this->collectedAt;
        }

        public function startAt()
        {
            return null;
        }

        public function endAt()
        {
            return null;
        }

        public function value()
        {
            return $this->value;
        }
    }

    class Metric implements MetricInterface
    {
        private $systemName;
        private $displayName;
        private $type;
        private $units;
        private $usage;

        public function __construct($systemName, $displayName = null, $type = null, UnitInterface $units = null, UsageInterface $usage = null)
        {
            $this->systemName = $systemName;
            $this->displayName = $displayName;
            $this->type = $type;
            $this->units = $units;
            $this->usage = $usage;
        }

        public function usage()
        {
            return $this->usage;
        }

        public function withUsage(UsageInterface $usage = null)
        {
            return new static($this->systemName, $this->displayName, $this->type, $this->units, $usage);
        }

        public function units()
        {
            return $this->units;
        }

        public function systemName()
        {
            return $this->systemName;
        }

        public function displayName()
        {
            return $this->displayName;
        }

        public function type()
        {
            return $this->type;
        }
    }
}

namespace WHMCS\UsageBilling\Metrics\Units {

    use WHMCS\UsageBilling\Contracts\Metrics\UnitInterface;

    abstract class AbstractUnit implements UnitInterface
    {
        private $name;

        public function __construct($name, $singlePerUnitName = null, $pluralPerUnitName = null, $prefix = null, $suffix = null)
        {
            $this->name = $name;
        }

        public function name()
        {
            return $this->name;
        }
    }

    class WholeNumber extends AbstractUnit
    {
    }

    class FloatingPoint extends AbstractUnit
    {
    }

    class Accounts extends WholeNumber
    {
    }

    class GigaBytes extends FloatingPoint
    {
        public function __construct($name = 'Gigabytes', $singlePerUnitName = null, $pluralPerUnitName = null, $prefix = null, $suffix = 'GB')
        {
            parent::__construct($name, $singlePerUnitName, $pluralPerUnitName, $prefix, $suffix);
        }
    }
}

/* WHMCS\Service\Status (the statuses server sync takes), with WHMCS's values. */
namespace WHMCS\Service {

    class Status
    {
        const PENDING = 'Pending';
        const ACTIVE = 'Active';
        const SUSPENDED = 'Suspended';
        const TERMINATED = 'Terminated';
        const CANCELLED = 'Cancelled';
        const FRAUD = 'Fraud';
        const COMPLETED = 'Completed';
    }
}

namespace {

    define('WHMCS', true);

    /* Every logModuleCall: the arguments as given, and the text WHMCS would store after replacing
     * each replace-var with asterisks. */
    $GLOBALS['vumaerp_logged_calls'] = array();

    function logModuleCall($module, $action, $requestString, $responseData, $processedData, $replaceVars = array())
    {
        $stored = array();
        foreach (array($requestString, $responseData, $processedData) as $part) {
            $text = is_string($part) ? $part : print_r($part, true);
            foreach ((array) $replaceVars as $secret) {
                if ((string) $secret !== '') {
                    $text = str_replace((string) $secret, str_repeat('*', strlen((string) $secret)), $text);
                }
            }
            $stored[] = $text;
        }
        $GLOBALS['vumaerp_logged_calls'][] = array(
            'module' => $module,
            'action' => $action,
            'request' => $requestString,
            'response' => $responseData,
            'processed' => $processedData,
            'replaceVars' => $replaceVars,
            'stored' => implode("\n", $stored),
        );
    }

    /* A fresh SQLite database (a real file: the module's calls go through PDO, as Capsule's do). */
    function vumaerp_test_database()
    {
        $path = tempnam(sys_get_temp_dir(), 'vumaerp-whmcs-') ;
        register_shutdown_function(function () use ($path) {
            @unlink($path);
        });
        $pdo = new PDO('sqlite:' . $path);
        $pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
        $pdo->exec('CREATE TABLE tblhosting (id INTEGER PRIMARY KEY, userid INTEGER, packageid INTEGER, server INTEGER,
                    domain TEXT NOT NULL DEFAULT "", username TEXT NOT NULL DEFAULT "", domainstatus TEXT DEFAULT "Pending",
                    diskusage INTEGER NOT NULL DEFAULT 0, disklimit INTEGER NOT NULL DEFAULT 0,
                    lastupdate TEXT NOT NULL DEFAULT "0000-00-00 00:00:00")');
        $pdo->exec('CREATE TABLE tblcustomfields (id INTEGER PRIMARY KEY, type TEXT, relid INTEGER, fieldname TEXT,
                    fieldtype TEXT, description TEXT DEFAULT "", fieldoptions TEXT DEFAULT "", adminonly TEXT DEFAULT "")');
        $pdo->exec('CREATE TABLE tblcustomfieldsvalues (id INTEGER PRIMARY KEY, fieldid INTEGER, relid INTEGER, value TEXT)');
        $pdo->exec('CREATE TABLE tblproducts (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT "", servertype TEXT NOT NULL DEFAULT "",
                    configoption1 TEXT NOT NULL DEFAULT "", configoption2 TEXT NOT NULL DEFAULT "",
                    configoption3 TEXT NOT NULL DEFAULT "", configoption4 TEXT NOT NULL DEFAULT "")');
        \WHMCS\Database\Capsule::setPdo($pdo);
        return $pdo;
    }

    /* WHMCS's service model as a module sees it ($params['model']), with the serviceProperties
     * that developers.whmcs.com/provisioning-modules/service-properties documents: save() and
     * get() by name; a name of a core field (Username, Password, Domain, Disk Usage, Disk Limit,
     * any case) is that column of tblhosting; any other is the product's custom field of that
     * name ("name", or "name|Friendly name"), created (admin-only text) when the product has
     * none. */
    class VumaerpTestServiceProperties
    {
        private static $native = array('username' => 'username', 'password' => 'password', 'domain' => 'domain',
            'disk usage' => 'diskusage', 'diskusage' => 'diskusage', 'disk limit' => 'disklimit', 'disklimit' => 'disklimit');
        private $model;

        public function __construct($model)
        {
            $this->model = $model;
        }

        private function field($name, $create)
        {
            $pdo = \WHMCS\Database\Capsule::pdo();
            $st = $pdo->prepare("SELECT id FROM tblcustomfields WHERE type = 'product' AND relid = ? AND (fieldname = ? OR fieldname LIKE ?)
                                 ORDER BY fieldname = ? DESC, id LIMIT 1");
            $st->execute(array($this->model->packageId, $name, $name . '|%', $name));
            $id = $st->fetchColumn();
            if ($id === false && $create) {
                $pdo->prepare("INSERT INTO tblcustomfields (type, relid, fieldname, fieldtype, adminonly) VALUES ('product', ?, ?, 'text', 'on')")
                    ->execute(array($this->model->packageId, $name));
                $id = $pdo->lastInsertId();
            }
            return $id === false ? null : (int) $id;
        }

        public function save(array $data)
        {
            $pdo = \WHMCS\Database\Capsule::pdo();
            foreach ($data as $name => $value) {
                $column = isset(self::$native[strtolower($name)]) ? self::$native[strtolower($name)] : null;
                if ($column) {
                    $pdo->prepare("UPDATE tblhosting SET $column = ? WHERE id = ?")->execute(array($value, $this->model->id));
                    continue;
                }
                $fieldId = $this->field($name, true);
                $pdo->prepare('DELETE FROM tblcustomfieldsvalues WHERE fieldid = ? AND relid = ?')->execute(array($fieldId, $this->model->id));
                $pdo->prepare('INSERT INTO tblcustomfieldsvalues (fieldid, relid, value) VALUES (?, ?, ?)')
                    ->execute(array($fieldId, $this->model->id, (string) $value));
            }
            return true;
        }

        public function get($name)
        {
            $pdo = \WHMCS\Database\Capsule::pdo();
            $column = isset(self::$native[strtolower($name)]) ? self::$native[strtolower($name)] : null;
            if ($column) {
                $st = $pdo->prepare("SELECT $column FROM tblhosting WHERE id = ?");
                $st->execute(array($this->model->id));
                return (string) $st->fetchColumn();
            }
            $fieldId = $this->field($name, false);
            if ($fieldId === null) {
                return '';
            }
            $st = $pdo->prepare('SELECT value FROM tblcustomfieldsvalues WHERE fieldid = ? AND relid = ?');
            $st->execute(array($fieldId, $this->model->id));
            $v = $st->fetchColumn();
            return $v === false ? '' : (string) $v;
        }
    }

    class VumaerpTestService
    {
        public $id;
        public $packageId;
        public $serviceProperties;

        public function __construct($id, $packageId)
        {
            $this->id = (int) $id;
            $this->packageId = (int) $packageId;
            $this->serviceProperties = new VumaerpTestServiceProperties($this);
        }
    }

    /* What WHMCS passes as $params['customfields']: every custom field of the service's product
     * by its name before any "|", with the service's value or ''. */
    function vumaerp_test_custom_fields($serviceId, $productId)
    {
        $pdo = \WHMCS\Database\Capsule::pdo();
        $st = $pdo->prepare("SELECT f.fieldname, v.value FROM tblcustomfields f
                             LEFT JOIN tblcustomfieldsvalues v ON v.fieldid = f.id AND v.relid = ?
                             WHERE f.type = 'product' AND f.relid = ? ORDER BY f.id");
        $st->execute(array($serviceId, $productId));
        $out = array();
        foreach ($st->fetchAll(PDO::FETCH_NUM) as $row) {
            $parts = explode('|', $row[0]);
            $out[$parts[0]] = $row[1] === null ? '' : $row[1];
        }
        return $out;
    }

    /* Every encoding of a secret a log could hold, written out here independently of the
     * module's own list: as given; JSON as PHP writes it (\" \\ \/ and \u00fc) and as jansson
     * does (\" \\, raw UTF-8, and \u00FC in capitals when it escapes); percent-encoded as
     * http_build_query and forms do. Only the forms that differ from the secret itself. */
    function vumaerp_test_encodings($secret)
    {
        $php = substr(json_encode($secret), 1, -1);
        $jansson = substr(json_encode($secret, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES), 1, -1);
        $upper = preg_replace_callback('/\\\\u([0-9a-f]{4})/', function ($m) {
            return '\\u' . strtoupper($m[1]);
        }, $php);
        $forms = array('as given' => $secret, 'JSON (PHP)' => $php, 'JSON (jansson)' => $jansson,
            'JSON with \\uXXXX in capitals' => $upper, 'percent-encoded' => rawurlencode($secret),
            'form-encoded' => urlencode($secret), 'HTML-escaped' => htmlspecialchars($secret, ENT_QUOTES, 'UTF-8'));
        $out = array('as given' => $secret);
        foreach ($forms as $name => $form) {
            if (!in_array($form, $out, true)) {
                $out[$name] = $form;
            }
        }
        return $out;
    }

    /* A little HTTP server of PHP's own (php -S with a router script), standing in for what may
     * sit at the API's address; several workers, so a request left sleeping blocks no other.
     * Returns its port; it stops when the tests end. */
    function vumaerp_test_stub($routerCode)
    {
        $router = tempnam(sys_get_temp_dir(), 'vumaerp-whmcs-router-') . '.php';
        file_put_contents($router, $routerCode);
        $sock = stream_socket_server('tcp://127.0.0.1:0');
        $name = stream_socket_get_name($sock, false);
        fclose($sock);
        $port = (int) substr($name, strrpos($name, ':') + 1);
        $env = getenv();
        $env['PHP_CLI_SERVER_WORKERS'] = '4';
        $process = proc_open(array(PHP_BINARY, '-S', '127.0.0.1:' . $port, $router),
            array(0 => array('file', '/dev/null', 'r'), 1 => array('file', '/dev/null', 'w'), 2 => array('file', '/dev/null', 'w')),
            $pipes, null, $env);
        register_shutdown_function(function () use ($process, $router) {
            proc_terminate($process);
            proc_close($process);
            @unlink($router);
        });
        for ($i = 0; $i < 100; $i++) {
            $c = @fsockopen('127.0.0.1', $port, $errno, $errstr, 0.1);
            if ($c) {
                fclose($c);
                return $port;
            }
            usleep(50000);
        }
        throw new RuntimeException('the stub server did not start');
    }

    require_once dirname(__DIR__) . '/vumaerp/vumaerp.php';
}
