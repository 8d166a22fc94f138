/**
 * The auto-filter of each sheet: the header row and the rows actually written. Excel needs only the
 * sheet's `<autoFilter ref>` (exceljs writes it when the sheet is committed), but LibreOffice shows
 * no filter buttons without the hidden `_xlnm._FilterDatabase` name that Excel itself writes beside
 * it (exceljs issue 2778, LibreOffice bug 118592). exceljs 4.4 cannot write a hidden, sheet-local
 * name, so the names are added to workbook.xml as exceljs hands it to its zip.
 */
import { columnLetters } from './excel-rows.js';

/** One sheet's filter: its position among the sheets (localSheetId), its name and range. */
export interface SheetFilter {
  index: number;
  sheet: string;
  /** "A1:K7": the header row and the data rows below it. */
  ref: string;
}

/** The slice of exceljs's zip (an archiver instance) that receives the workbook's entries. */
export interface WorkbookZip {
  append(source: unknown, data: { name: string }): unknown;
}

/** The filter range over `columns` columns, a header row and `rows` data rows (none without columns). */
export function filterRef(columns: number, rows: number): string | undefined {
  return columns > 0 ? `A1:${columnLetters(columns - 1)}${rows + 1}` : undefined;
}

/** workbook.xml with a hidden `_xlnm._FilterDatabase` name per filtered sheet. */
export function withFilterNames(workbookXml: string, filters: readonly SheetFilter[]): string {
  const names = filters.map(filterName).join('');
  if (!names) return workbookXml;
  if (workbookXml.includes('<definedNames>'))
    return workbookXml.replace('<definedNames>', `<definedNames>${names}`);
  return workbookXml.replace('</sheets>', `</sheets><definedNames>${names}</definedNames>`);
}

/** Has the zip's workbook.xml entry carry the filters' names (`filters` is read when it is added). */
export function addFilterNames(zip: WorkbookZip, filters: () => readonly SheetFilter[]): void {
  const append = zip.append.bind(zip);
  zip.append = (source, data) =>
    append(
      typeof source === 'string' && data.name.replace(/^\//, '') === 'xl/workbook.xml'
        ? withFilterNames(source, filters())
        : source,
      data,
    );
}

function filterName(f: SheetFilter): string {
  const absolute = f.ref.replace(/([A-Z]+)(\d+)/g, '$$$1$$$2');
  const target = `'${f.sheet.replace(/'/g, "''")}'!${absolute}`.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<definedName name="_xlnm._FilterDatabase" localSheetId="${f.index}" hidden="1">${target}</definedName>`;
}
