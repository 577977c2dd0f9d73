<?php
/* SPDX-License-Identifier: MIT */
/*
 * bootstrap.php: the little of WHMCS the module touches, for PHPUnit — the WHMCS constant,
 * logModuleCall() recording every call (and scrubbing the replace-vars as WHMCS does), and
 * WHMCS\Database\Capsule as a stand-in over a real SQLite database with WHMCS's tblhosting,
 * tblcustomfields and tblcustomfieldsvalues. The stand-in offers only the query-builder calls the
 * module uses: table()->where(column, value)...->get() / first() / update() / insert().
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
        \WHMCS\Database\Capsule::setPdo($pdo);
        return $pdo;
    }

    require_once dirname(__DIR__) . '/vumaerp/vumaerp.php';
}
